"""SparkWeb's settings page in Openfire's admin console (Server > Server Settings > SparkWeb).

Openfire serves it at ``/plugins/sparkweb/sparkweb-settings.jsp`` on the admin port, behind its
own admin login, through the Java adapter ``AdminPageServlet`` (named in web/WEB-INF/web.xml).
``sections`` declares what the page shows, ``fields`` checks input against each Setting's type
and bounds, ``page`` renders and handles the forms, ``servlet`` adapts servlet requests to it.
"""
