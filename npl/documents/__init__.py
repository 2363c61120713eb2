"""Documents people print and sign (明白纸, 催收通知书, 还款协议书, 公告): Word and PDF from replaceable templates, with a generation log."""
