"""The 住民異動届 confirmation sheet of a draft (R-INTAKE-6, standard j540): saved as a PDF
for the resident to check and sign.

After a save the dialog names the draft (仮登録番号); the file name field is ready, Enter
writes the PDF (rendered by the service, written on the worker thread), Esc closes. Without
QtPdf in the runtime there is no print preview here: the PDF goes to the printer from the
desktop, and prints identically anywhere (fonts embedded).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.intake import DraftNotEditable
from madoguchi.app.services.intake.drafts import DraftService
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge


def default_sheet_path(draft_id: str) -> Path:
    """Where the sheet goes unless the user says otherwise: the documents folder."""
    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    ) or str(Path.home())
    return Path(folder) / f"住民異動届確認票_{draft_id[:8]}.pdf"


def write_sheet(drafts: DraftService, ctx: ServiceContext, draft_id: str, path: Path) -> Path:
    """On the worker thread: render the sheet (audited by the service) and write it."""
    pdf = drafts.confirmation_sheet(ctx, draft_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    return path


class SheetDialog(QDialog):
    """Names the draft and writes its confirmation sheet to the PDF file chosen."""

    sheet_written = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        drafts: DraftService,
        ctx: ServiceContext,
        draft_id: str,
        *,
        saved: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("intake_sheet_dialog")
        self.setWindowTitle(self.tr("仮登録しました") if saved else self.tr("確認票の印刷"))
        self._drafts = drafts
        self._ctx = ctx
        self.draft_id = draft_id
        heading = (
            self.tr("仮登録しました。まだ住民票には記載されていません（審査・決裁の後に記載）。")
            if saved
            else self.tr("住民異動届の確認票を印刷します。")
        )
        self.heading_label = QLabel(heading, self)
        self.heading_label.setWordWrap(True)
        self.number_label = QLabel(self.tr("仮登録番号: {0}").format(draft_id), self)
        self.number_label.setObjectName("draft_number_label")
        self.number_label.setStyleSheet("font-size: 16px; font-weight: bold")
        self.path_edit = QLineEdit(str(default_sheet_path(draft_id)), self)
        self.path_edit.setObjectName("sheet_path_edit")
        path_label = QLabel(self.tr("保存先(&F)"), self)
        path_label.setBuddy(self.path_edit)
        self.browse_button = QPushButton(self.tr("参照…"), self)
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._browse)
        self.status_label = QLabel(
            self.tr(
                "確認票（PDF）を保存して印刷し、届出人に内容を確認・署名していただいてください。"
            ),
            self,
        )
        self.status_label.setObjectName("sheet_status")
        self.status_label.setWordWrap(True)
        self.write_button = QPushButton(self.tr("確認票をPDFで保存 (Enter)"), self)
        self.write_button.setObjectName("sheet_write")
        self.write_button.setDefault(True)
        self.write_button.clicked.connect(self.write)
        self.close_button = QPushButton(self.tr("閉じる (Esc)"), self)
        self.close_button.setObjectName("sheet_close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        path_line = QHBoxLayout()
        path_line.addWidget(path_label)
        path_line.addWidget(self.path_edit, 1)
        path_line.addWidget(self.browse_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.number_label)
        layout.addLayout(path_line)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.resize(640, 220)
        self.path_edit.setFocus()
        self.path_edit.selectAll()

    def _browse(self) -> None:
        chooser = QFileDialog(self, self.tr("確認票の保存先"), self.path_edit.text())
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilter(self.tr("PDF (*.pdf)"))
        chooser.setDefaultSuffix("pdf")
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        chooser.fileSelected.connect(self.path_edit.setText)
        chooser.open()

    def write(self) -> None:
        """Render and write the sheet to the path in the field."""
        text = self.path_edit.text().strip()
        if not text:
            self.status_label.setText(self.tr("保存先のファイル名を入力してください。"))
            return
        path = Path(text).expanduser()
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        drafts, ctx, draft_id = self._drafts, self._ctx, self.draft_id
        self.write_button.setEnabled(False)
        self.status_label.setText(self.tr("確認票を作成しています…"))
        Op(self, lambda: write_sheet(drafts, ctx, draft_id, path)).success(self._written).failure(
            self._failed
        ).run()

    def _written(self, path: Path) -> None:
        self.write_button.setEnabled(True)
        self.status_label.setText(
            self.tr("保存しました: {0}　印刷して届出人に確認・署名していただいてください。").format(
                path
            )
        )
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        self.sheet_written.emit(str(path))

    def _failed(self, exc: BaseException) -> None:
        self.write_button.setEnabled(True)
        if isinstance(exc, OSError):
            message = self.tr(
                "ファイルに書き込めませんでした（{0}）。保存先を変えてください。"
            ).format(exc.strerror or type(exc).__name__)
        elif is_user_error(exc) or isinstance(exc, DraftNotEditable):
            message = str(exc)
        else:
            message_bridge().report_exception(exc)
            message = self.tr("確認票を作成できませんでした。")
        self.status_label.setText(message)
        self.failed.emit(message)
