"""`npl import … --district NAME` (issue 18): with several districts a bank file or a township's roster is for one
named district — its townships and branches matched (or created) there — and without the name the import is refused
with the choices named (conftest's `district_two`: 西岭区 and 东川区 under 西岭市)."""
import pytest
from django.core.management import call_command

from npl import testing
from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import write_xlsx
from npl.loans.models import Loan

HEADER = ["借据号", "借款人", "身份证号", "乡镇", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式"]


def loan_row(loan_no, town, branch, n=99):
    return [loan_no, "吴十", testing.valid_id(n), town, branch, "1000", "1000", "2020-01-01", "2023-01-01", "保证"]


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def run(capsys, *args):
    """(exit code, stdout, stderr) of `npl import …`."""
    code = 0
    try:
        call_command("import", *map(str, args))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_bank_file_goes_into_the_named_district_matching_its_units_there(district_two, media, capsys):
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LC009", "青山镇", "青山支行")])
    code, out, err = run(capsys, "loans", path, "--district", "东川区")
    assert code == 0, err
    loan = Loan.objects.get(loan_no="LC009")
    assert (loan.township, loan.branch) == (district_two.town, district_two.branch)


def test_a_township_of_the_same_name_in_another_district_is_not_matched(district_two, media, capsys):
    # 柳溪镇 is 西岭区's: 东川区 has none, so the row is refused unless units may be created — then in 东川区.
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LC010", "柳溪镇", "青山支行")])
    code, _out, _err = run(capsys, "loans", path, "--district", "东川区")
    assert code == 1 and not Loan.objects.filter(loan_no="LC010").exists()
    assert ImportBatch.objects.latest("pk").report["refused"][0]["reason"] == "unknown_unit"
    code, _out, err = run(capsys, "loans", path, "--district", "东川区", "--create-units")
    assert code == 0, err
    loan = Loan.objects.select_related("township", "branch").get(loan_no="LC010")
    assert loan.township.district == district_two.district and loan.township != district_two.first.townships.get(name="柳溪镇")
    assert loan.branch == district_two.branch


def test_new_branches_are_the_named_districts_with_its_bank(district_two, media, capsys):
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LC011", "白石乡", "白石分理处")])
    code, _out, err = run(capsys, "loans", path, "--district", "东川区", "--create-units")
    assert code == 0, err
    branch = Loan.objects.select_related("branch").get(loan_no="LC011").branch
    assert (branch.district, branch.bank) == (district_two.district, district_two.bank)


def test_without_the_district_the_import_is_refused_naming_the_choices(district_two, media, capsys):
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LC009", "青山镇", "青山支行")])
    code, _out, err = run(capsys, "loans", path)
    assert code != 0 and "东川区、西岭区" in err and "--district" in err
    assert not Loan.objects.filter(loan_no="LC009").exists()


def test_an_unknown_district_is_refused_naming_the_choices(district_two, media, capsys):
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LC009", "青山镇", "青山支行")])
    code, _out, err = run(capsys, "loans", path, "--district", "南山区")
    assert code != 0 and "南山区" in err and "东川区、西岭区" in err


def test_a_loan_number_of_another_district_is_refused_not_moved(district_two, media, capsys):
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LA001", "青山镇", "青山支行", n=1)])
    code, _out, _err = run(capsys, "loans", path, "--district", "东川区", "--skip-invalid")
    refused = ImportBatch.objects.latest("pk").report["refused"]
    assert [r["reason"] for r in refused] == ["out_of_scope"]
    assert Loan.objects.get(loan_no="LA001").township.district == district_two.first


def test_a_single_district_installation_needs_no_district(loans, media, capsys):
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LA009", "柳溪镇", "柳溪支行")])
    code, _out, err = run(capsys, "loans", path)
    assert code == 0, err
    assert Loan.objects.filter(loan_no="LA009").exists()


def test_a_roster_is_for_the_named_district_or_its_township_and_refused_without_one(district_two, media, capsys):
    from npl.categories.models import RosterEntry

    path = write_xlsx(media / "roster.xlsx", [["姓名", "身份证号"], ["吴十", testing.valid_id(99)]])
    code, _out, err = run(capsys, "roster", "deceased", path)
    assert code != 0 and "东川区、西岭区" in err and "--district" in err
    assert not RosterEntry.objects.filter(kind="deceased").exists()
    code, _out, err = run(capsys, "roster", "deceased", path, "--district", "东川区")
    assert code == 0, err
    entry = RosterEntry.objects.get(kind="deceased")
    assert (entry.district, entry.township) == (district_two.district, None)
    code, _out, err = run(capsys, "roster", "disabled", path, "--district", "东川区", "--township", "青山镇")
    assert code == 0, err
    entry = RosterEntry.objects.get(kind="disabled")
    assert (entry.district, entry.township) == (district_two.district, district_two.town)
    code, _out, err = run(capsys, "roster", "deceased", path, "--district", "东川区", "--township", "柳溪镇")
    assert code != 0 and "柳溪镇" in err


def test_a_districts_roster_puts_only_its_loans_in_the_category_and_its_reimport_ends_only_its_entries(
        district_two, loans, media, capsys):
    from npl.categories.models import Membership, RosterEntry

    zhang = loans["LA001"].borrower  # also LC005's borrower, in 东川区
    other = testing.borrower(40, "郑十一")
    zhang_row = ["张三", zhang.reveal_id()]
    both = write_xlsx(media / "both.xlsx", [["姓名", "身份证号"], zhang_row])
    code, _out, err = run(capsys, "roster", "deceased", both, "--district", "西岭区", "--as-of", "2026-03-31")
    assert code == 0, err
    deceased = set(Membership.objects.filter(code="deceased").values_list("loan__loan_no", flat=True))
    assert "LA001" in deceased and "LC005" not in deceased
    # 东川区's roster names him too, then a later one of 东川区 drops him: only 东川区's entry ends.
    code, _out, err = run(capsys, "roster", "deceased", both, "--district", "东川区", "--as-of", "2026-03-31")
    assert code == 0, err
    assert {"LA001", "LC005"} <= set(Membership.objects.filter(code="deceased").values_list("loan__loan_no", flat=True))
    later = write_xlsx(media / "later.xlsx", [["姓名", "身份证号"], [other.name, testing.valid_id(40)]])
    code, _out, err = run(capsys, "roster", "deceased", later, "--district", "东川区", "--as-of", "2026-04-30")
    assert code == 0, err
    mine = RosterEntry.objects.filter(kind="deceased", person__id_hash=zhang.id_hash)
    assert mine.get(district=district_two.first).valid_to is None
    assert mine.get(district=district_two.district).valid_to is not None
    deceased = set(Membership.objects.filter(code="deceased").values_list("loan__loan_no", flat=True))
    assert "LA001" in deceased and "LC005" not in deceased


def test_an_upload_by_a_districts_admin_is_previewed_for_that_district(district_two, media):
    from django.test import Client
    from django.urls import reverse

    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LC012", "青山镇", "青山支行")])
    client = Client()
    client.force_login(district_two.cast["district_admin"], backend="django.contrib.auth.backends.ModelBackend")
    with open(path, "rb") as fh:
        client.post(reverse("intake:upload", args=["loans"]), {"file": fh})
    batch = ImportBatch.objects.latest("pk")  # the preview (a dry run): refused before, now found in 东川区
    assert batch.status == "preview", batch.error or batch.report
    assert (batch.report["created"], batch.report["refused"]) == (1, [])


def test_a_district_without_a_bank_of_its_own_cannot_take_another_districts_branch_name(district_two, media, capsys):
    from npl.org.models import District

    District.objects.create(name="北坡区", region=district_two.city)
    path = write_xlsx(media / "loans.xlsx", [HEADER, loan_row("LD001", "北坡镇", "柳溪支行")])
    code, _out, _err = run(capsys, "loans", path, "--district", "北坡区", "--create-units", "--skip-invalid")
    refused = ImportBatch.objects.latest("pk").report["refused"]
    assert [r["reason"] for r in refused] == ["unknown_unit"] and "其他区的网点" in refused[0]["message"]
    assert not Loan.objects.filter(loan_no="LD001").exists()
