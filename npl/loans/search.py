"""Pinyin keys for the search box: initials and full pinyin, every reading of a polyphonic surname."""
import functools


@functools.lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """('zs zhs', 'zhangsan ...'): space-separated variants, one per reading of the surname."""
    if not name:
        return "", ""
    # Imported on first use: pypinyin's phrase dictionary costs ~0.25 s and ~65 MiB, which every
    # process importing the models paid (a re-import that meets no new borrower never needs it).
    from pypinyin import Style, lazy_pinyin, pinyin

    surname_readings = pinyin(name[0], style=Style.NORMAL, heteronym=True)[0]
    rest = lazy_pinyin(name[1:], style=Style.NORMAL)
    rest_initials = "".join(p[0] for p in rest if p)
    initials, fulls = [], []
    for reading in surname_readings:
        reading = reading.lower()
        if not reading or not reading.isascii():
            continue
        ini = reading[0] + rest_initials
        full = reading + "".join(rest)
        if ini not in initials:
            initials.append(ini)
        if full not in fulls:
            fulls.append(full)
    return " ".join(initials), " ".join(fulls)
