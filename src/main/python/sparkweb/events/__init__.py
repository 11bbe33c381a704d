"""The event stream contract: event names and payloads (``catalogue``), the replay log
(``log``), and Server-Sent Events over servlet async I/O (``sse``)."""
