"""SparkWeb on an Openfire cluster (issue 17): requests for a user whose session lives on
another node are run there (forwarding), with what travels between the nodes in messages."""
