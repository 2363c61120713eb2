"""`npl payoff LOAN_NO [--as-of DATE] [--json]`: the payoff of one loan on a day (0 ok, 1 unknown loan or refused, 2 bad usage)."""
from npl.core.cli import Exit, NplCommand, parse_day


class Command(NplCommand):
    help = "结清测算：本金、利息、罚息、复利、可减免金额与应还金额"

    def add_arguments(self, parser):
        parser.add_argument("loan_no", help="借据号")
        parser.add_argument("--as-of", dest="as_of", help="测算日期（默认今天）")
        parser.add_argument("--json", action="store_true", help="输出JSON")

    def handle(self, *args, **opts):
        from npl.loans.models import Loan
        from npl.waivers.payoff import PayoffError, compute_payoff

        as_of = parse_day(opts.get("as_of"), "--as-of")
        loan = Loan.objects.filter(loan_no=opts["loan_no"].strip()).first()
        if loan is None:
            raise Exit(f"借据号“{opts['loan_no']}”不存在", code=1)
        try:
            payoff = compute_payoff(loan, as_of)
        except PayoffError as exc:
            raise Exit(str(exc), code=1) from exc
        if opts["json"]:
            self.emit_json(payoff.as_json())
            return
        self.stdout.write(f"借据号 {payoff.loan_no}  测算日期 {payoff.as_of:%Y-%m-%d}")
        for line in payoff.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"适用政策：{payoff.policy}")
        self.stdout.write(f"应还金额：{payoff.to_pay:.2f} 元")
