"""The records of a derivation: relations, verdicts, steps and derivations (immutable)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, assert_never

import sympy as sp

from .errors import StepError
from .names import Name

if TYPE_CHECKING:
    from .assumptions import Assumptions
    from .rules import Rule

__all__ = ["Derivation", "Name", "Relation", "Status", "Step"]


class Relation(Enum):
    """How a step's `after` stands to its `before`, as functions of the parameters."""

    #: after is built from before by a declared modelling assumption (independence); a new objective starts here
    DEFINES = "defines"
    #: after = before for every admissible value
    EQUAL = "equal"
    #: after = phi(before) with phi strictly increasing on before's range: keeps the argmax and the argmin
    INCREASING = "increasing"
    #: after = phi(before) with phi strictly decreasing on before's range: the argmax becomes the argmin
    DECREASING = "decreasing"

    @property
    def is_monotone(self) -> bool:
        return self in (Relation.INCREASING, Relation.DECREASING)

    @property
    def effect(self) -> str:
        """What the relation does to the optimum, in words."""
        match self:
            case Relation.DEFINES:
                return "defines the objective"
            case Relation.EQUAL:
                return "equal"
            case Relation.INCREASING:
                return "keeps argmax and argmin"
            case Relation.DECREASING:
                return "turns argmax into argmin"
            case _:
                assert_never(self)

    def then(self, other: Relation) -> Relation:
        """The relation of a chain `self` followed by `other` (neither may be DEFINES)."""
        if Relation.DEFINES in (self, other):
            raise StepError("a 'defines' step starts a new objective and does not compose")
        if self is Relation.EQUAL:
            return other
        if other is Relation.EQUAL:
            return self
        return Relation.INCREASING if self is other else Relation.DECREASING


class Status(Enum):
    """The verdict of the checker on one obligation, one step, or a whole derivation (best first)."""

    PROVED = "proved"  # decided symbolically under the declared assumptions
    CHECKED = "checked"  # numeric evidence only: no counterexample at the sampled points
    UNKNOWN = "unknown"  # neither proved nor refuted within the budget
    REFUTED = "refuted"  # a counterexample was found

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @staticmethod
    def worst(statuses) -> Status:
        return max(statuses, key=lambda s: s.rank, default=Status.PROVED)


_STATUS_RANK = {Status.PROVED: 0, Status.CHECKED: 1, Status.UNKNOWN: 2, Status.REFUTED: 3}


@dataclass(frozen=True)
class Step:
    """One recorded transformation: `rule` (the Rule object that made the step) took `before` to `after` with
    `relation`. Consumers ask the rule's type (`isinstance(step.rule, TakeLog)`); `step.rule.name` is its text.

    For DEFINES, INCREASING and DECREASING steps `transform` is the map phi with after = phi(before), and
    `domain` the set on which phi is claimed strictly monotone (before's values must lie in it).
    """

    rule: Rule
    before: sp.Expr
    after: sp.Expr
    relation: Relation
    justification: str
    transform: sp.Lambda | None = None
    domain: sp.Set = sp.S.Reals
    name: Name | None = None
    #: the justification in LaTeX (text mode, math in $...$), where it has math worth typesetting
    justification_latex: str | None = None

    def __post_init__(self) -> None:
        # a Rule by its shape (core does not import rules, which build on it): a callable step and a str name
        if isinstance(self.rule, type) or not (
            callable(getattr(self.rule, "step", None)) and isinstance(getattr(self.rule, "name", None), str)
        ):
            raise StepError(
                f"step: rule must be the Rule that made the step (e.g. rules.Claim for a typed-in result), "
                f"not {type(self.rule).__name__} {self.rule!r}"
            )
        name = self.rule.name
        if not isinstance(self.relation, Relation):
            raise StepError(f"step {name!r}: relation must be a Relation, not {self.relation!r}")
        if self.relation is not Relation.EQUAL and self.transform is None:
            raise StepError(f"step {name!r}: a {self.relation.value!r} step needs its transform phi")
        for label, value in (("before", self.before), ("after", self.after)):
            if not isinstance(value, sp.Basic):
                raise StepError(
                    f"step {name!r}: {label} must be a SymPy expression, not {type(value).__name__}"
                )
        if "\n" in self.justification:
            raise StepError(f"step {name!r}: the justification must be one line")


@dataclass(frozen=True, repr=False)
class Derivation:
    """A start expression and the steps applied to it; applying a rule returns a new Derivation."""

    name: str
    title: str
    start: sp.Expr
    assumptions: Assumptions
    start_name: Name
    steps: tuple[Step, ...] = ()
    result_name: Name | None = field(default=None)

    def __post_init__(self) -> None:
        previous = self.start
        for k, step in enumerate(self.steps, 1):
            if step.before != previous:
                raise StepError(
                    f"derivation {self.name!r}: step {k} ({step.rule.name}) starts from {step.before}, "
                    f"but the previous expression is {previous}"
                )
            previous = step.after

    def __repr__(self) -> str:
        """Short: the name, the start and the rules applied ('Derivation(bce: P(y_i | yhat_i) -> ...)')."""
        rules = " -> ".join(step.rule.name for step in self.steps) or "no steps"
        return f"Derivation({self.name}: {self.start_name} by {rules})"

    @property
    def current(self) -> sp.Expr:
        """The expression the last step arrived at."""
        return self.steps[-1].after if self.steps else self.start

    def apply(self, rule: Rule, *, name: Name | None = None) -> Derivation:
        """Apply `rule` to the current expression and record the step."""
        step = rule.step(self.current, self.assumptions)
        if name is not None:
            step = replace(step, name=name)
        return replace(self, steps=(*self.steps, step))

    def then(self, step: Step) -> Derivation:
        """Append a step built elsewhere (e.g. a range claim); its before must be the current expression.

        A user's own typed-in result is `apply(rules.Claim(name, after, relation, justification))`.
        """
        return replace(self, steps=(*self.steps, step))

    def step_by(self, rule: type[Rule] | None = None, *, name: str | None = None) -> Step:
        """The one step made by a rule of type `rule` and/or carrying the Name whose text is `name`.

        Other entries refer to a step this way, not by its position, so adding a step elsewhere in the chain
        cannot silently hand them another expression. Raises StepError when no step or several steps match.
        """
        if rule is None and name is None:
            raise StepError(f"derivation {self.name!r}: step_by needs a rule type or a step name")
        wanted = " and ".join(
            ([f"made by {rule.__name__}"] if rule is not None else [])
            + ([f"named {name!r}"] if name is not None else [])
        )
        found = [
            s
            for s in self.steps
            if (rule is None or isinstance(s.rule, rule))
            and (name is None or (s.name is not None and s.name.text == name))
        ]
        if len(found) != 1:
            have = ", ".join(f"{s.rule.name}" + (f" ({s.name.text})" if s.name else "") for s in self.steps)
            count = "no step" if not found else f"{len(found)} steps"
            raise StepError(f"derivation {self.name!r} has {count} {wanted}; its steps are: {have or 'none'}")
        return found[0]

    def named(self, result_name: Name) -> Derivation:
        """The same derivation with its final expression named (e.g. J)."""
        return replace(self, result_name=result_name)

    def objective_index(self) -> int:
        """Index into `steps` of the first step of the optimisation chain (after the last DEFINES step)."""
        last = -1
        for k, step in enumerate(self.steps):
            if step.relation is Relation.DEFINES:
                last = k
        return last + 1

    def objective(self) -> tuple[sp.Expr, Name]:
        """The expression whose optimum the chain speaks of, and its name."""
        k = self.objective_index()
        if k == 0:
            return self.start, self.start_name
        step = self.steps[k - 1]
        return step.after, step.name or self.start_name

    def _repr_latex_(self) -> str:
        from .display import derivation_latex  # a Jupyter hook: renderers load on display only

        return derivation_latex(self)

    def _repr_markdown_(self) -> str:
        from .display import derivation_markdown

        return derivation_markdown(self)

    def composed_relation(self) -> Relation:
        """The relation between the objective and the final expression."""
        relation = Relation.EQUAL
        for step in self.steps[self.objective_index() :]:
            relation = relation.then(step.relation)
        return relation
