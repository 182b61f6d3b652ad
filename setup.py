"""Build hook: compile the gettext catalogs (.po -> .mo) whenever the package is built."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """Compile locales/*/LC_MESSAGES/*.po so an install carries its .mo files."""

    def run(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(__file__).parent.glob("locales/*/LC_MESSAGES/*.po"):
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
