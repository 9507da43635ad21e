package dev.smolvm.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Reads request bodies strictly, with messages that name the offending field. */
final class Bodies {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

    private Bodies() {
    }

    static <T> T read(String body, Class<T> type, boolean emptyAllowed) {
        if (body == null || body.isBlank()) {
            if (emptyAllowed) {
                body = "{}";
            } else {
                throw new BadRequest("the request body is empty; send a JSON object.");
            }
        }
        try {
            T value = JSON.readValue(body, type);
            if (value == null) {
                throw new BadRequest("the request body must be a JSON object, not null.");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new BadRequest("unknown field '" + e.getPropertyName() + "'; known fields: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ".");
        } catch (InvalidFormatException e) {
            String field = field(e);
            if (e.getTargetType() != null && e.getTargetType().isEnum()) {
                throw new BadRequest("field '" + field + "' must be one of "
                        + Arrays.stream(e.getTargetType().getEnumConstants()).map(Object::toString)
                        .collect(Collectors.joining(", ")) + ", not " + e.getValue() + ".");
            }
            throw new BadRequest("field '" + field + "' has the wrong type: " + e.getValue() + ".");
        } catch (MismatchedInputException e) {
            String field = field(e);
            if (field.isEmpty()) {
                throw new BadRequest("the request body must be a JSON object.");
            }
            String expected = e.getTargetType() == null ? "another type" : describe(e.getTargetType());
            throw new BadRequest("field '" + field + "' must be " + expected + ".");
        } catch (JsonProcessingException e) {
            throw new BadRequest("the request body is not valid JSON: " + e.getOriginalMessage() + ".");
        }
    }

    private static String field(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "a " + type.getSimpleName();
    }
}
