"""Decide which ``@policy`` names a request is granted.

Two deciders, consulted in order: the rule table (``authorization.policies``: claims and scopes
a policy needs) and, for names the table does not list, an optional Python hook
(``authorization.policy_hook = 'package.module:function'``). A policy neither grants is denied.

Spec: Apollo Federation ``@policy`` v0.1 (the router decides which policies hold before
planning); Apollo Router "Authorization", "@policy" (a coprocessor or Rhai script sets the
policy outcomes; here a rule table or a Python callable does).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from ..configuration.authorization import AuthorizationSettings, PolicyRule
from .errors import PolicyHookError
from .identity import Identity

__all__ = ["PolicyEvaluator", "PolicyHook", "load_policy_hook"]

_log = logging.getLogger(__name__)

PolicyHook = Callable[[frozenset[str], Mapping[str, Any] | None], Any]
"""``hook(policies, claims) -> granted subset`` (any iterable of names; others are ignored)."""


def load_policy_hook(reference: str) -> PolicyHook:
    """Import the callable a ``'package.module:function'`` reference names.

    Args:
        reference: ``module:attribute`` (the attribute may be dotted, ``module:Class.method``).

    Returns:
        The callable.

    Raises:
        PolicyHookError: the reference has no ``:``, the module does not import, the
            attribute is missing or not callable.
    """
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise PolicyHookError(f"policy_hook {reference!r} must be 'package.module:function'")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise PolicyHookError(f"policy_hook {reference!r}: cannot import: {error}") from None
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise PolicyHookError(f"policy_hook {reference!r}: {part!r} not found")
        target = getattr(target, part)
    if not callable(target):
        raise PolicyHookError(f"policy_hook {reference!r} is not callable")
    return cast(PolicyHook, target)


def _claim_matches(value: Any, accepted: str | list[str]) -> bool:
    wanted = {accepted} if isinstance(accepted, str) else set(accepted)
    if isinstance(value, str):
        return value in wanted
    if isinstance(value, list | tuple):
        return any(isinstance(item, str) and item in wanted for item in value)
    return False


def _rule_holds(rule: PolicyRule, identity: Identity) -> bool:
    claims = identity.claims
    if claims is None:
        return False
    for name, accepted in rule.claims.items():
        if not _claim_matches(claims.get(name), accepted):
            return False
    for name in rule.claims_present:
        value = claims.get(name)
        if value is None or value == "" or isinstance(value, bool):
            return False
    return all(scope in identity.scopes for scope in rule.scopes)


class PolicyEvaluator:
    """Grants ``@policy`` names from the rule table, then from the hook.

    Example:
        >>> evaluator = PolicyEvaluator(AuthorizationSettings(
        ...     policies={"staff": PolicyRule(claims={"role": ["admin", "clerk"]})}))
        >>> evaluator.granted(frozenset({"staff"}), Identity.from_claims({"role": "clerk"}))
        frozenset({'staff'})

    Args:
        settings: the ``authorization`` settings (``policies``, ``policy_hook``).

    Raises:
        PolicyHookError: ``policy_hook`` is set but does not name a callable.
    """

    def __init__(self, settings: AuthorizationSettings) -> None:
        self._rules: Mapping[str, PolicyRule] = dict(settings.policies)
        self._hook_name = settings.policy_hook
        self._hook = load_policy_hook(settings.policy_hook) if settings.policy_hook else None

    def granted(self, policies: frozenset[str], identity: Identity) -> frozenset[str]:
        """The subset of ``policies`` this caller is granted.

        A listed policy holds when the caller is authenticated, every claim condition matches
        and every scope of the rule is carried. Unlisted policies go to the hook (called once,
        with the unlisted names and the claims); a hook that raises grants nothing (logged).

        Args:
            policies: the policy names the operation mentions.
            identity: the caller.

        Returns:
            The granted names (a subset of ``policies``).
        """
        if not policies:
            return frozenset()
        granted = {name for name in policies if name in self._rules}
        granted = {name for name in granted if _rule_holds(self._rules[name], identity)}
        unlisted = frozenset(name for name in policies if name not in self._rules)
        if unlisted and self._hook is not None:
            try:
                answer = self._hook(unlisted, identity.claims)
                granted.update(name for name in answer if name in unlisted)
            except Exception:
                _log.exception("policy_hook %s failed; its policies are denied", self._hook_name)
        return frozenset(granted)
