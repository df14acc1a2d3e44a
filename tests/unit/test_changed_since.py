"""Which firms changed between two target-context scopes, as the partner log says (or that it cannot say)."""

from chainmap.recommendations import reuse


def test_changed_since_reads_the_log_only_when_it_names_every_change():
    old = (("graph", "g1"), ("partners:131125", "a"))
    log = ("x|*", "a|U1", "b|U2,U3", "c|U4")
    assert reuse.changed_since(old, (("graph", "g1"), ("partners:131125", "c")), log) == {"U2", "U3", "U4"}
    assert reuse.changed_since(old, old, log) is None  # nothing moved: the caller had a hit
    assert reuse.changed_since(old, (("graph", "g2"), ("partners:131125", "c")), log) is None  # the graph moved
    assert reuse.changed_since(old, (("graph", "g1"), ("partners:131125", "d")), log) is None  # log behind
    assert reuse.changed_since(old, (("graph", "g1"), ("partners:131125", "b")), log[:3]) == {"U2", "U3"}
    assert reuse.changed_since((("graph", "g1"), ("partners:131125", "x")), (("graph", "g1"), ("partners:131125", "c")),
                               ("w|U0",) + log[1:]) is None  # the old token fell off the log
    assert reuse.changed_since(old, (("graph", "g1"), ("partners:131125", "e")), log + ("e|*",)) is None
