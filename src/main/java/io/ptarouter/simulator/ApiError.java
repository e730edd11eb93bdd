package io.ptarouter.simulator;

/**
 * An error answer in PVWA's shape, {@code {"ErrorCode","ErrorMessage"}}, thrown by request handling and written once
 * at the top. PASWS006E, PASWS013E and PASWS167E are codes PVWA uses; the 404, 405 and 500 codes are invented here
 * because PVWA's own are not documented.
 */
final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiError sessionEnded() {
        return new ApiError(401, "PASWS006E", "User session has ended.");
    }

    static ApiError authenticationFailure(String user) {
        return new ApiError(403, "PASWS013E", "Authentication failure for User [" + user + "].");
    }

    static ApiError invalidParameter(String detail) {
        return new ApiError(400, "PASWS167E", "There are some invalid parameters: " + detail);
    }

    static ApiError notFound(String what) {
        return new ApiError(404, "PASWS404E", what);
    }

    static ApiError methodNotAllowed(String method) {
        return new ApiError(405, "PASWS405E", "The requested method " + method + " is not allowed here.");
    }

    static ApiError internal(String detail) {
        return new ApiError(500, "PASWS500E", detail);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
