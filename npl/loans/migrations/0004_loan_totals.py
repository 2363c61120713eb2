"""The ledger's stored totals (issue 16): loans and principal balance per township, village, branch and status,
kept by triggers on loans_loan (npl.loans.totals), so 共 N 笔 and its balance are read, not counted over every loan;
and an index on (township, loan_no) for a township's ledger page in loan-number order.

Beware: SQLite rebuilds a table for most ALTERs, which drops its triggers. A later migration that alters `Loan` on
SQLite must run `npl.loans.totals.install_sqlite` again (test_totals fails otherwise).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forward(apps, schema_editor):
    from npl.loans import totals

    totals.install(schema_editor.connection)


def backward(apps, schema_editor):
    from npl.loans import totals

    totals.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0003_search_indexes'),
        ('org', '0002_tiers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LoanTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('community_key', models.BigIntegerField(default=0, verbose_name='社区/村')),
                ('status', models.CharField(choices=[('registered', '已登记'), ('in_collection', '清收中'), ('plan_agreed', '已定还款计划'), ('partly_repaid', '部分还款'), ('settled', '已结清'), ('written_off', '已核销（账销案存）')], max_length=20, verbose_name='状态')),
                ('loans', models.BigIntegerField(default=0, verbose_name='笔数')),
                ('balance', models.DecimalField(decimal_places=2, default=0, max_digits=18, verbose_name='本金余额')),
            ],
            options={
                'verbose_name': '贷款合计',
                'verbose_name_plural': '贷款合计',
            },
        ),
        migrations.AddIndex(
            model_name='loan',
            index=models.Index(fields=['township', 'loan_no'], name='loans_loan_townshi_2b0dee_idx'),
        ),
        migrations.AddField(
            model_name='loantotal',
            name='branch',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.branch', verbose_name='网点'),
        ),
        migrations.AddField(
            model_name='loantotal',
            name='township',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.township', verbose_name='乡镇'),
        ),
        migrations.AddConstraint(
            model_name='loantotal',
            constraint=models.UniqueConstraint(fields=('township', 'community_key', 'branch', 'status'), name='uniq_loan_total_key'),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
