"""The suite's own set-up: each topic's tests run in one worker, so a topic is solved once per run."""

import pytest


def _worker(request) -> bool:
    return hasattr(request.config, "workerinput")


@pytest.mark.parametrize("topic", ["perceptrons"])
def test_a_topics_tests_are_one_group_for_the_workers(request, topic):
    """The topic's group reaches the scheduler: the group mark is added before the workers read the marks,
    and the installed pytest still lets them read it (pytest 9.2 with pytest-xdist 3.8 does not)."""
    if not _worker(request):
        pytest.skip("the suite runs without worker processes")
    assert request.node.nodeid.endswith(f"@{topic}"), request.node.nodeid
