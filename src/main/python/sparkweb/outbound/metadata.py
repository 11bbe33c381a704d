"""What a link preview shows, read from a page's HTML with jsoup: OpenGraph (``og:*``), then
Twitter cards (``twitter:*``), then plain HTML (``<title>``, ``<meta name=description>``).

``quality`` (1-9, the spec's "quality of the preview image") picks among the page's images by
size: the wanted width is ``quality * 160`` pixels (1: a 160 px thumbnail, 5: 800 px, 9: 1440
px or the largest), and the image whose declared width (``og:image:width``) is nearest wins;
images without a declared width are used in the page's order when none declares one.
"""
from __future__ import absolute_import

from java.io import ByteArrayInputStream
from java.lang import Throwable
from java.nio.charset import Charset
from org.jsoup import Jsoup

PIXELS_PER_QUALITY = 160
LONGEST_TEXT = 500


def read_page(body, content_type, url):
    """The page's metadata: a dict with every image candidate (``images``) still in it."""
    document = Jsoup.parse(ByteArrayInputStream(body), _charset(content_type), url)
    meta = _meta_values(document)
    title_tag = document.selectFirst("title")
    return {
        "url": url,
        "title": _text(_first(meta, "og:title", "twitter:title") or
                       (title_tag.text() if title_tag is not None else None)),
        "description": _text(_first(meta, "og:description", "twitter:description",
                                    "description")),
        "siteName": _text(_first(meta, "og:site_name", "application-name")),
        "type": _text(_first(meta, "og:type")) or u"website",
        "images": _images(document, meta),
    }


def preview_for(page, quality):
    """The answer for one quality: the page's fields and the one image ``quality`` selects."""
    answer = dict((key, value) for key, value in page.items() if key != "images")
    image = choose_image(page["images"], quality)
    answer["image"] = image[0] if image else None
    return answer


def choose_image(images, quality):
    sized = [image for image in images if image[1]]
    if not sized:
        return images[0] if images else None
    wanted = quality * PIXELS_PER_QUALITY
    return min(sized, key=lambda image: (abs(image[1] - wanted), -image[1]))


def _charset(content_type):
    """The charset the Content-Type names, if Java knows it; else None (jsoup then reads the
    page's own <meta charset> or byte-order mark, and falls back to UTF-8)."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"\'')
            try:
                if value and Charset.isSupported(value):
                    return value
            except (Exception, Throwable):   # IllegalCharsetNameException: a Java exception
                return None
    return None


def _meta_values(document):
    """``property``/``name`` -> [content, ...] of every <meta> in the page, names lower-case."""
    values = {}
    for element in document.select("meta[content]"):
        name = (element.attr("property") or element.attr("name")).strip().lower()
        if name:
            values.setdefault(name, []).append(element.attr("content"))
    return values


def _first(meta, *names):
    for name in names:
        for value in meta.get(name, ()):
            if value.strip():
                return value
    return None


def _images(document, meta):
    """(absolute http(s) URL, declared width or 0) for og:image, twitter:image, image_src."""
    images = []
    for element in document.select("meta[content]"):
        name = (element.attr("property") or element.attr("name")).strip().lower()
        if name in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                    "twitter:image:src"):
            images.append([element.absUrl("content"), 0, name.startswith("og:")])
        elif name == "og:image:width" and images and images[-1][2] and not images[-1][1]:
            images[-1][1] = _pixels(element.attr("content"))
    for element in document.select("link[rel~=(?i)^image_src$][href]"):
        images.append([element.absUrl("href"), 0, False])
    seen, usable = set(), []
    for url, width, _ in images:
        if url.lower().startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            usable.append((url, width))
    return usable


def _pixels(text):
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 6 else 0


def _text(value):
    """Trimmed, whitespace collapsed, at most LONGEST_TEXT characters; None when empty."""
    if value is None:
        return None
    value = u" ".join(value.split())
    return value[:LONGEST_TEXT] or None
