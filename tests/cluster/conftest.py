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
