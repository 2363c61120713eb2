from django.db import models


class Channel(models.TextChoices):
    CASH = "cash", "现金/转账"
    REFINANCE = "refinance", "借新还旧/转贷"
    COURT = "court", "法院执行"
    COLLATERAL = "collateral", "抵押物处置"
    OTHER = "other", "其他"


CHANNEL_ALIASES = {
    "现金": Channel.CASH,
    "转账": Channel.CASH,
    "现金/转账": Channel.CASH,
    "借新还旧": Channel.REFINANCE,
    "转贷": Channel.REFINANCE,
    "法院执行": Channel.COURT,
    "抵押物处置": Channel.COLLATERAL,
    "以物抵债": Channel.COLLATERAL,
    "其他": Channel.OTHER,
}


class Method(models.TextChoices):
    VISIT = "visit", "上门催收"
    PHONE = "phone", "电话催收"
    SMS = "sms", "短信催收"
    LETTER = "letter", "信函催收"
    LAWYER = "lawyer", "律师函"
    NEWSPAPER = "newspaper", "登报公告"
    OTHER = "other", "其他"


METHOD_ALIASES = {label: value for value, label in Method.choices}


class Signature(models.TextChoices):
    BORROWER = "borrower", "借款人签收"
    RELATIVE = "relative", "家属签收"
    UNSIGNED = "unsigned", "未签收"
    REFUSED = "refused", "拒签"


SIGNATURE_ALIASES = {label: value for value, label in Signature.choices}
