"""``BallotBox`` is the whole interface of the ballot box (``box.py``): code outside it calls
``ballot_box()``'s methods through the Protocol only, so a replacement box (an encrypted one)
written against the Protocol must offer every method the plain box has, with its signature."""

from __future__ import annotations

import inspect

from parvis_election.box import BallotBox, PlainBallotBox


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_the_protocol_declares_every_method_of_the_plain_box_with_its_signature():
    assert _methods(BallotBox) == _methods(PlainBallotBox)
