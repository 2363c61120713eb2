"""Loan.last_repaid_on: the day of each loan's latest confirmed repayment, filled from the repayments.

The balance on a past day (loans.balances) adds back the repayments after that day only for loans repaid after
it. It found them by an IN list of every such loan, which PostgreSQL hashes only while the list fits in
work_mem: past about 600,000 repayments after the day it scanned the list once per loan and a report over a
million loans ran for hours. The column makes it a comparison on the loan's own row.

A nullable column without a default is added in place on SQLite (no table rebuild), so the triggers on
loans_loan stay."""
from django.db import migrations, models

FILL = (
    "UPDATE loans_loan SET last_repaid_on = (SELECT MAX(r.paid_on) FROM collection_repayment r "
    "WHERE r.loan_id = loans_loan.id AND r.confirmed) "
    "WHERE id IN (SELECT loan_id FROM collection_repayment WHERE confirmed)"
)


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0007_pinyin_prefix_cost'),
        ('collection', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='loan',
            name='last_repaid_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='最近一次确认还款日期'),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
