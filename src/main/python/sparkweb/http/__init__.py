"""From route tables to a running web application: ``routing`` (routes and the per-request
pipeline), ``request``/``response`` (helpers), ``app`` (Jersey + Jetty assembly), the filters in
front (``body_reader``: request bodies read without blocking a thread; ``cors``; ``headers``:
security headers), ``error_pages`` (the container's own errors as JSON), ``jetty`` (the Jetty
flavour of the server we run in)."""
