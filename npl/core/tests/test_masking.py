"""Masked forms shown on screens and exports by default."""
from npl.core.masking import mask_id, mask_name, mask_phone


def test_an_id_number_keeps_its_first_3_and_last_4_characters():
    assert mask_id("610431198410315096") == "610***********5096"
    assert mask_id("11010519491231002X") == "110***********002X"


def test_a_masked_id_keeps_the_length_so_columns_line_up():
    assert len(mask_id("610431198410315096")) == 18


def test_a_short_or_empty_id_reveals_nothing():
    assert mask_id("") == ""
    assert mask_id("1234567") == "*******"


def test_a_name_keeps_only_its_first_character():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李"
    assert mask_name("") == ""


def test_a_phone_keeps_its_first_3_and_last_4_digits():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"
