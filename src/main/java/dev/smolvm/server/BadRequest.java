package dev.smolvm.server;

/** A request the server cannot read (malformed JSON, wrong type, unknown or missing field): HTTP 400. */
final class BadRequest extends RuntimeException {
    BadRequest(String message) {
        super(message.isEmpty() ? message : Character.toUpperCase(message.charAt(0)) + message.substring(1));
    }
}
