"""How a condition's facts read in a suggestion's text."""

def test_a_set_of_categories_reads_in_domain_order_in_every_process():
    """A frozenset's order follows string hashing, which differs per process: the text must not."""
    import os
    import subprocess
    import sys

    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'npl.settings'); django.setup(); "
            "from npl.advice.conditions import show; "
            "print(show('categories', frozenset({'disabled', 'dibao', 'special_household', 'poverty'})))")
    seen = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2", "3", "4")
    }
    assert seen == {"特殊户贷款、低保户、残疾人、脱贫人口"}
