"""SparkWeb on a two-node Openfire cluster (harness/openfire_cluster.py): Openfire 5.1 from
OPENFIRE_HOME, Openfire's Hazelcast plugin from OPENFIRE_HAZELCAST_PLUGIN, a scratch
PostgreSQL as the shared database. One cluster serves every test of the session; without one
of the three, the tests skip with the reason."""
import pytest

from harness import openfire_cluster

pytestmark = pytest.mark.openfire


@pytest.fixture(scope="session")
def cluster():
    trouble = openfire_cluster.problem()
    if trouble is not None:
        if trouble[0] == "fail":
            pytest.fail(trouble[1])
        pytest.skip(trouble[1])
    running = openfire_cluster.OpenfireCluster().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def node1(cluster):
    return cluster.targets[0]


@pytest.fixture(scope="session")
def node2(cluster):
    return cluster.targets[1]


def pytest_configure(config):
    config.addinivalue_line("markers", "kills_a_node: ends a node of the session's cluster; "
                                       "runs after every other cluster test")
    config.addinivalue_line("markers", "splits_the_cluster: splits the session's cluster and "
                                       "lets it heal; runs after the others, before a kill")


def _order(item):
    if item.get_closest_marker("kills_a_node") is not None:
        return 2
    return 1 if item.get_closest_marker("splits_the_cluster") is not None else 0


def pytest_collection_modifyitems(session, config, items):
    """Tests that split the cluster, then those that kill a node, run last: the cluster is
    shared by the whole session."""
    items.sort(key=_order)
