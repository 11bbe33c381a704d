"""From route tables to a running web application: ``routing`` (routes and the per-request
pipeline), ``request``/``response`` (helpers), ``app`` (Jersey + Jetty assembly), ``jetty`` (the
Jetty flavour of the server we run in)."""
