"""Picture sizes, read from a picture's header with the JDK's ImageIO, started with care.

ImageIO's registry of image plug-ins is made once per JVM, on ImageIO's first use, and keeps
for each plug-in the access-control context of that first caller. A context holds the
protection domain, and so the class loader, of every class on the caller's stack. Made on a
SparkWeb thread (this module's check, or Openfire's avatar conversion inside SparkWeb's vCard
change), the registry keeps that SparkWeb in memory for the JVM's life, after every unload
(the reload tests count plugin class loaders). AWT's AppContext, made at the same moment, keeps
the thread's context class loader the same way.

So ImageIO's first use here is a JDK-made Runnable over a method handle, run on the common
fork-join pool: its threads have only JDK frames, a clean inherited context and the system
class loader. Everything that uses ImageIO waits for that first (`ready`).
"""
from __future__ import absolute_import

import threading

from java.io import ByteArrayInputStream, IOException
from java.lang import Boolean, Class, ClassLoader, Runnable, RuntimeException, Thread
from java.lang.invoke import MethodHandleProxies, MethodHandles, MethodType
from java.util.concurrent import ForkJoinPool, ForkJoinTask, TimeUnit, TimeoutException

from sparkweb.log import logger

READY_SECONDS = 10

_log = logger("images")
_lock = threading.Lock()
_first_use = []


def start():
    """Starts ImageIO as described above, once; returns the task that does it."""
    with _lock:
        if not _first_use:
            _first_use.append(_start_on_common_pool())
        return _first_use[0]


def ready():
    """Waits until ImageIO was started cleanly. After READY_SECONDS (a common pool kept busy
    by others) it goes on: serving the request matters more than a leak after an unload."""
    try:
        start().get(READY_SECONDS, TimeUnit.SECONDS)
    except TimeoutException:
        _log.warn("ImageIO's clean start is late; going on without it")


class TooManyPixels(Exception):
    """A picture whose header claims more pixels than allowed."""


def decoded_size(raw, max_pixels):
    """(width, height) of a PNG, JPEG, GIF or BMP picture that decodes in full; None if the
    bytes are not one. The header's pixel count is checked first (TooManyPixels), so that
    nothing larger is ever decoded here, and what passes costs at most max_pixels x 8 bytes
    (16-bit RGBA) to whoever decodes it later: Openfire does, at every change and every load
    of a vCard. A header alone is not enough: a picture cut short after a valid header fails
    there, logging a warning each time."""
    ready()
    from javax.imageio import ImageIO   # not at import: the first use must be start()'s
    from javax.imageio.stream import MemoryCacheImageInputStream
    stream = MemoryCacheImageInputStream(ByteArrayInputStream(raw))
    try:
        readers = ImageIO.getImageReaders(stream)
        if not readers.hasNext():
            return None
        reader = readers.next()
        try:
            reader.setInput(stream, True, True)
            width, height = reader.getWidth(0), reader.getHeight(0)
            if width * height > max_pixels:
                raise TooManyPixels()
            reader.read(0)
            return width, height
        except (IOException, RuntimeException):
            return None
        finally:
            reader.dispose()
    finally:
        stream.close()


def _start_on_common_pool():
    image_io = Class.forName("javax.imageio.ImageIO", False, ClassLoader.getSystemClassLoader())
    first_use = MethodHandles.publicLookup().findStatic(image_io, "getUseCache",
                                                        MethodType.methodType(Boolean.TYPE))
    thread = Thread.currentThread()
    previous = thread.getContextClassLoader()
    # A proxy of a JDK interface may be defined in the context class loader: not ours.
    thread.setContextClassLoader(ClassLoader.getSystemClassLoader())
    try:
        task = ForkJoinTask.adapt(MethodHandleProxies.asInterfaceInstance(Runnable, first_use))
    finally:
        thread.setContextClassLoader(previous)
    ForkJoinPool.commonPool().execute(task)
    return task
