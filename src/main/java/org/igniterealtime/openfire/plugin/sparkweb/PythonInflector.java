package org.igniterealtime.openfire.plugin.sparkweb;

import java.util.function.Function;

import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.core.Response;

import org.glassfish.jersey.process.Inflector;

/**
 * Lets a Python function handle a Jersey resource method. Jersey reads the generic type arguments
 * of an Inflector to decide what to pass it; a Jython proxy carries none, so this adapter states
 * them ({@code ContainerRequestContext} in, {@code Response} out) and delegates.
 */
public final class PythonInflector implements Inflector<ContainerRequestContext, Response> {

    private final Function<ContainerRequestContext, Response> handler;

    public PythonInflector(Function<ContainerRequestContext, Response> handler) {
        this.handler = handler;
    }

    @Override
    public Response apply(ContainerRequestContext request) {
        return handler.apply(request);
    }
}
