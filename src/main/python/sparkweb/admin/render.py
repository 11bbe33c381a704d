"""The HTML of the settings page, in Openfire's admin-console markup (sitemesh decorates it:
``<title>`` becomes the page heading, ``<meta name="pageID">`` picks the sidebar item).

Every dynamic value passes through ``esc``; texts come from the bundle and are escaped too.
"""
from __future__ import absolute_import

from sparkweb.admin import fields
from sparkweb.admin.sections import APPLIES_AT_START

PREFIX = "sparkweb."
PAGE = "sparkweb-settings.jsp"     # the URL Openfire maps to AdminPageServlet (web.xml)
PAGE_ID = "sparkweb-settings"      # the sidebar item (plugin.xml) the decorator highlights


def esc(value):
    return (unicode(value).replace(u"&", u"&amp;").replace(u"<", u"&lt;")
            .replace(u">", u"&gt;").replace(u'"', u"&quot;").replace(u"'", u"&#39;"))


def page(texts, csrf, rows, errors, urls, notice, messages, activity=None, push_counts=None,
         cluster=None):
    t = lambda key, *args: esc(texts.text(key, *args))
    parts = [u'<html><head><title>%s</title><meta name="pageID" content="%s"/></head><body>'
             % (t("sparkweb.settings.title"), esc(PAGE_ID)),
             u"<p>%s</p>" % t("sparkweb.settings.intro")]
    if notice:
        parts.append(u'<div class="success">%s</div>' % esc(notice))
    for message in messages:
        parts.append(u'<div class="error">%s</div>' % esc(message))
    parts.append(u'<form action="%s" method="post">%s' % (esc(PAGE), _hidden(csrf, "save")))
    for section, settings in rows:
        parts.append(_section(texts, t, section, settings, errors))
    parts.append(u'<p><input type="submit" value="%s"/></p></form>' % t("sparkweb.settings.save"))
    parts.append(_urls(t, urls))
    if activity is not None:
        parts.append(_activity(t, activity))
    if cluster is not None:
        parts.append(_cluster(t, cluster))
    parts.append(_rotation(t, csrf))
    if push_counts is not None:
        parts.append(_vapid_rotation(t, csrf, push_counts))
    parts.append(u"</body></html>")
    return u"\n".join(parts)


def _hidden(csrf, action):
    return (u'<input type="hidden" name="csrf" value="%s"/>'
            u'<input type="hidden" name="action" value="%s"/>' % (esc(csrf), esc(action)))


def _box(title, help_text, body):
    help_html = u"<p>%s</p>" % help_text if help_text else u""
    return (u'<div class="jive-contentBoxHeader">%s</div><div class="jive-contentBox">%s%s</div>'
            % (title, help_html, body))


def _section(texts, t, section, settings, errors):
    key = "sparkweb.settings.section." + section.name
    help_text = texts.get(key + ".help")
    rows = u"".join(_field(texts, t, setting, text, errors.get(setting.key))
                    for setting, text in settings)
    return _box(t(key), esc(help_text) if help_text else None,
                u'<table cellpadding="3" cellspacing="0" border="0">%s</table>' % rows)


def _field(texts, t, setting, text, error):
    """One setting: label, input, its help (or the setting's doc), default, any error."""
    name = "sparkweb.settings.field." + _short(setting.key)
    label = texts.get(name) or setting.key
    notes = [texts.get(name + ".help") or setting.doc, _default(texts, setting)]
    if setting in APPLIES_AT_START:
        notes.append(texts.text("sparkweb.settings.applies.at.start"))
    error_html = (u'<div class="error" id="error-%s">%s</div>' % (esc(setting.key), esc(error))
                  if error else u"")
    return (u'<tr><td style="vertical-align:top; width:30%%"><label for="%s">%s</label></td>'
            u'<td>%s%s<div style="font-size:smaller">%s</div><div style="font-size:smaller; '
            u'color:#666">%s</div></td></tr>'
            % (esc(setting.key), esc(label), _input(setting, text), error_html, esc(notes[0]),
               esc(u" ".join(notes[1:]))))


def _input(setting, text):
    if fields.is_number(setting):
        bounds = u"".join(u' %s="%s"' % (attr, esc(value)) for attr, value in
                          (("min", setting.minimum), ("max", setting.maximum)) if value is not None)
        return (u'<input type="number" id="%s" name="%s" value="%s"%s size="12"/>'
                % (esc(setting.key), esc(setting.key), esc(text), bounds))
    return (u'<input type="text" id="%s" name="%s" value="%s" size="60"/>'
            % (esc(setting.key), esc(setting.key), esc(text)))


def _default(texts, setting):
    default = fields.shown(setting, setting.default)
    if default == u"":
        return texts.text("sparkweb.settings.default.none")
    return texts.text("sparkweb.settings.default", default)


def _urls(t, urls):
    items = u"".join(u"<tr><td>%s</td><td><code>%s</code></td></tr>" % (t(key), esc(url))
                     for key, name in (("sparkweb.settings.urls.rest", "rest"),
                                       ("sparkweb.settings.urls.sse", "sse"))
                     for url in urls.get(name, ()))
    return _box(t("sparkweb.settings.urls.title"), t("sparkweb.settings.urls.help"),
                u'<table cellpadding="3" cellspacing="0" border="0">%s</table>' % items)


def _activity(t, activity):
    """How many event streams and user sessions this node holds now: with the web components'
    shared stream, one stream per user and browser, however many tabs."""
    rows = u"".join(u'<tr><td>%s</td><td id="sparkweb-activity-%s">%d</td></tr>'
                    % (t("sparkweb.settings.activity." + name), name, activity[name])
                    for name in ("streams", "sessions"))
    return _box(t("sparkweb.settings.activity.title"), t("sparkweb.settings.activity.help"),
                u'<table cellpadding="3" cellspacing="0" border="0">%s</table>' % rows)


# The counts of the cluster box, in the order shown (cluster.overview names them).
CLUSTER_COUNTS = ("sessions", "relays_out", "relays_in", "forwarded", "unanswered", "served")


def _cluster(t, cluster):
    """The nodes (this one marked) and this node's share: its sessions, its relayed streams
    both ways, the requests it forwarded (and those answered 503) and served for others."""
    if cluster["nodes"]:
        nodes = u", ".join(u"<code>%s</code> (%s)%s" % (
            esc(name), esc(host), u" &#8211; %s" % t("sparkweb.settings.cluster.this")
            if name == cluster["node"] else u"") for name, host in cluster["nodes"])
    else:
        nodes = u"%s (<code>%s</code>)" % (t("sparkweb.settings.cluster.alone"),
                                           esc(cluster["node"]))
    rows = [u'<tr><td>%s</td><td id="sparkweb-cluster-nodes">%s</td></tr>'
            % (t("sparkweb.settings.cluster.nodes"), nodes)]
    rows.extend(u'<tr><td>%s</td><td id="sparkweb-cluster-%s">%d</td></tr>'
                % (t("sparkweb.settings.cluster." + name), name, cluster[name])
                for name in CLUSTER_COUNTS)
    return _box(t("sparkweb.settings.cluster.title"), t("sparkweb.settings.cluster.help"),
                u'<table cellpadding="3" cellspacing="0" border="0">%s</table>' % u"".join(rows))


def _rotation(t, csrf):
    form = (u'<form action="%s" method="post">%s<p><input type="checkbox" id="confirm-rotate" '
            u'name="confirm" value="yes"/> <label for="confirm-rotate">%s</label></p>'
            u'<p><input type="submit" value="%s"/></p></form>'
            % (esc(PAGE), _hidden(csrf, "rotate"), t("sparkweb.settings.key.confirm"),
               t("sparkweb.settings.key.rotate")))
    return _box(t("sparkweb.settings.key.title"), t("sparkweb.settings.key.help"), form)


def _vapid_rotation(t, csrf, counts):
    """The Web Push key's rotation, which ends every subscription, and the sender's counts."""
    form = (u'<p>%s</p><form action="%s" method="post">%s<p><input type="checkbox" '
            u'id="confirm-vapid" name="confirm" value="yes"/> <label for="confirm-vapid">%s'
            u'</label></p><p><input type="submit" value="%s"/></p></form>'
            % (t("sparkweb.settings.vapid.counts", counts["sent"], counts["dropped"],
                 counts["failed"], counts["pruned"]),
               esc(PAGE), _hidden(csrf, "rotate-vapid"), t("sparkweb.settings.vapid.confirm"),
               t("sparkweb.settings.vapid.rotate")))
    return _box(t("sparkweb.settings.vapid.title"), t("sparkweb.settings.vapid.help"), form)


def _short(key):
    return key[len(PREFIX):] if key.startswith(PREFIX) else key
