// CLReport
