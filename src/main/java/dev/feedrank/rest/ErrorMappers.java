package dev.feedrank.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.feedrank.orchestration.RunStateException;
import dev.feedrank.registry.RegistryException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Map;
import java.util.UUID;

/**
 * Every error is JSON with a message: unknown id 404, malformed body or bad override 400, registry rule 409; any
 * other failure 500 with a generic message and an error id (logged with the stack trace).
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = e.getMessage();
        if (e.getCause() instanceof JsonProcessingException jpe) {
            status = 400;
            message = "malformed JSON body: " + jpe.getOriginalMessage();
        }
        return error(status, message);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return error(400, "malformed JSON body: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response registry(RegistryException e) {
        return error(status(e), e.getMessage());
    }

    @ServerExceptionMapper
    public Response runState(RunStateException e) {
        return error(status(e), e.getMessage());
    }

    @ServerExceptionMapper
    public Response illegalArgument(IllegalArgumentException e) {
        return error(400, e.getMessage());
    }

    /**
     * Anything else is a 500 with a generic message and an error id; the id is logged with the stack trace. Neither
     * the exception's class nor its message reaches the client (they may name internals or echo data).
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error, error id %s", errorId);
        return Response.status(500).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("status", 500, "error", "internal error", "message", "internal error", "errorId", errorId))
                .build();
    }

    /** The HTTP status of a refused registry request, for {@code /api} and the console alike. */
    public static int status(RegistryException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case INVALID -> 400;
            case UNAVAILABLE -> 503;
        };
    }

    /** The HTTP status of a refused run request (cancel, resume): 404 unknown run, 409 wrong state. */
    public static int status(RunStateException e) {
        return e.notFound() ? 404 : 409;
    }

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("status", status, "message", message == null ? "error" : message)).build();
    }
}
