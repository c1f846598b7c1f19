"""One way for every bench to say whether a figure met its target: a ``PASS`` / ``FAIL`` line
next to the figure, and a closing verdict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Targets:
    """Collects checks; :meth:`verdict` prints the closing line and says if all passed."""

    failed: list[str] = field(default_factory=list)
    checked: int = 0

    def at_most(self, name: str, value: float, limit: float, unit: str = "ms") -> bool:
        """``PASS``/``FAIL`` for a figure that must stay at or under ``limit``."""
        return self._line(name, value <= limit, f"{value:.2f} {unit} (target <= {limit:g} {unit})")

    def holds(self, name: str, ok: bool, detail: str) -> bool:
        """``PASS``/``FAIL`` for a condition that is not a single number."""
        return self._line(name, ok, detail)

    def _line(self, name: str, ok: bool, detail: str) -> bool:
        self.checked += 1
        if not ok:
            self.failed.append(name)
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
        return ok

    def verdict(self) -> bool:
        if self.failed:
            print(
                f"FAIL  {len(self.failed)} of {self.checked} targets missed: "
                + ", ".join(self.failed)
            )
        else:
            print(f"PASS  all {self.checked} targets met")
        return not self.failed
