"""scripts/system-packages.sh: what `make run`, `make test` and `.ci/run` check and install, run with fake
id/sudo/dpkg-query/apt-get first on PATH (nothing on this machine is installed or removed)."""
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "system-packages.sh"
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
# `make test` sets NPL_CHROMIUM for the browser tests: the script would take it before any candidate.
BASE_ENV = {k: v for k, v in os.environ.items() if k != "NPL_CHROMIUM"}
UBUNTU = 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n'


def _fake(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """run(target, missing=…, root=…, sudo=…, os=…) → (exit code, stderr, apt-get calls) on a simulated machine."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt-calls"

    def run(*args, missing=(), root=False, sudo=False, os_release=DEBIAN, env=None):
        _fake(bin_dir, "id", f'[ "$1" = -u ] && echo {0 if root else 1000} || /usr/bin/id "$@"\n')
        sudo_allowed = 0 if sudo else 1
        _fake(bin_dir, "sudo", f'if [ "$1" = -n ] && [ "$2" = true ]; then exit {sudo_allowed}; fi\n[ "$1" = -n ] && shift\nexec "$@"\n')
        missing_list = " ".join(missing)
        _fake(bin_dir, "dpkg-query", f'for p in {missing_list}; do [ "$3" = "$p" ] && exit 1; done\nprintf "install ok installed"\n')
        _fake(bin_dir, "apt-get", f'echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> {calls}\n')
        (tmp_path / "os-release").write_text(os_release, encoding="utf-8")
        full = {**BASE_ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NPL_OS_RELEASE": str(tmp_path / "os-release"),
                **(env or {})}
        done = subprocess.run(["bash", str(SCRIPT), *args], env=full, capture_output=True, text=True, timeout=60)
        made = calls.read_text().splitlines() if calls.exists() else []
        return done.returncode, done.stderr, made

    return run


def test_a_user_without_root_is_stopped_at_once_with_one_message_naming_the_command(machine):
    code, err, apt = machine("run", missing=["fonts-noto-cjk", "libharfbuzz-subset0"])
    assert code == 1 and apt == []
    assert "缺少系统软件包：fonts-noto-cjk libharfbuzz-subset0" in err
    assert "Missing system packages: fonts-noto-cjk libharfbuzz-subset0" in err
    assert "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk libharfbuzz-subset0'" in err
    assert err.count("缺少系统软件包") == 1


def test_root_installs_what_is_missing_with_one_update_non_interactively(machine):
    code, err, apt = machine("test", missing=["libpango-1.0-0", "chromium"], root=True)
    assert code == 0
    assert apt == ["DEBIAN_FRONTEND=noninteractive update -qq",
                   "DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends libpango-1.0-0 chromium"]


def test_passwordless_sudo_installs_too(machine):
    code, _, apt = machine("run", missing=["fonts-noto-cjk"], sudo=True)
    assert code == 0 and apt[-1].endswith("--no-install-recommends fonts-noto-cjk")


def test_nothing_missing_means_no_apt_and_no_words(machine):
    assert machine("ci") == (0, "", [])


def test_make_run_does_not_ask_for_the_browser_and_make_test_does(machine):
    assert machine("run", missing=["chromium"])[0] == 0
    code, err, _ = machine("test", missing=["chromium"])
    assert code == 1 and "Missing system packages: chromium" in err


def test_the_package_list_can_be_replaced_and_check_only_never_installs(machine):
    code, err, apt = machine("--check", "run", missing=["npl-test-package"], root=True,
                             env={"NPL_SYSTEM_PACKAGES": "fonts-noto-cjk npl-test-package"})
    assert code == 1 and "npl-test-package" in err and "fonts-noto-cjk" not in err and apt == []


def test_on_ubuntu_the_chromium_snap_stub_is_named_and_not_installed(machine, tmp_path):
    stub = tmp_path / "chromium-browser"
    stub.write_text('#!/bin/sh\nexec /snap/bin/chromium "$@"\n', encoding="utf-8")
    stub.chmod(0o755)
    code, err, apt = machine("test", missing=["chromium"], root=True, os_release=UBUNTU,
                             env={"NPL_CHROMIUM_CANDIDATES": str(stub)})
    assert code == 0 and apt == []  # apt's chromium there would only fetch the stub
    assert "snap" in err and "playwright install chromium" in err


def test_the_browser_path_prefers_a_real_binary_to_a_snap_stub(machine, tmp_path):
    stub, real = tmp_path / "chromium", tmp_path / "chrome"
    stub.write_text('#!/bin/sh\nexec /snap/bin/chromium "$@"\n', encoding="utf-8")
    real.write_bytes(b"\x7fELF" + b"\0" * 100)
    stub.chmod(0o755)
    real.chmod(0o755)
    done = subprocess.run(["bash", str(SCRIPT), "--chromium-path"], capture_output=True, text=True,
                          env={**BASE_ENV, "NPL_CHROMIUM_CANDIDATES": f"{stub} {real}"})
    assert done.stdout.strip() == str(real)
