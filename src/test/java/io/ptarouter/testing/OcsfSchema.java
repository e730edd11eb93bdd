package io.ptarouter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Checks a record against the OCSF schema's own definition files (src/test/resources/ocsf/, from
 * ocsf/ocsf-schema, see the README there), as the schema compiler reads them: a class or object is
 * its {@code extends} chain, its {@code $include}d profiles and its own attributes, each merged over
 * the dictionary's definition. Checked: every required attribute is there, no attribute the class or
 * object does not define, each value's type (with the dictionary types' regex, length and range),
 * arrays, enum values, enum siblings (severity for severity_id, ...), the objects' at_least_one and
 * just_one constraints, and the class's uids and names. OCSF publishes no JSON Schema file of its own:
 * the JSON Schema its server exports is generated from these files.
 */
public final class OcsfSchema {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = "ocsf/";

    private final JsonNode attributes;
    private final JsonNode types;
    private final JsonNode categories;

    public OcsfSchema() {
        JsonNode dictionary = read("dictionary.json");
        attributes = dictionary.path("attributes");
        types = dictionary.path("types").path("attributes");
        categories = read("categories.json").path("attributes");
    }

    public String version() {
        return read("version.json").path("version").asText();
    }

    /** The problems of {@code record} as an event of the class in {@code events/<path>.json}; empty when it is valid. */
    public List<String> check(String classPath, JsonNode record) {
        List<String> problems = new ArrayList<>();
        ObjectNode definition = definition("events/" + classPath + ".json");
        // The compiler gives class_uid and category_uid this class's and category's own value: checked below.
        for (String uid : List.of("class_uid", "category_uid")) {
            ((ObjectNode) definition.path("attributes").path(uid)).remove("enum");
        }
        checkObject(record, definition, "", problems);
        JsonNode category = categories.path(definition.path("category").asText());
        int classUid = category.path("uid").asInt() * 1000 + definition.path("uid").asInt();
        expect(problems, "category_uid", record.path("category_uid").asInt(-1) == category.path("uid").asInt(),
                category.path("uid").asText());
        expect(problems, "category_name", record.path("category_name").isMissingNode()
                || record.path("category_name").asText().equals(category.path("caption").asText()), category.path("caption").asText());
        expect(problems, "class_uid", record.path("class_uid").asInt(-1) == classUid, Integer.toString(classUid));
        expect(problems, "class_name", record.path("class_name").isMissingNode()
                || record.path("class_name").asText().equals(definition.path("caption").asText()), definition.path("caption").asText());
        long typeUid = classUid * 100L + record.path("activity_id").asInt();
        expect(problems, "type_uid", record.path("type_uid").asLong(-1) == typeUid, Long.toString(typeUid));
        String activity = definition.path("attributes").path("activity_id").path("enum")
                .path(record.path("activity_id").asText()).path("caption").asText();
        expect(problems, "type_name", record.path("type_name").isMissingNode()
                || record.path("type_name").asText().equals(definition.path("caption").asText() + ": " + activity),
                definition.path("caption").asText() + ": " + activity);
        return problems;
    }

    private static void expect(List<String> problems, String attribute, boolean ok, String expected) {
        if (!ok) {
            problems.add(attribute + ": expected " + expected);
        }
    }

    private void checkObject(JsonNode value, ObjectNode definition, String path, List<String> problems) {
        if (!value.isObject()) {
            problems.add(path + ": expected an object " + definition.path("name").asText() + ", got " + value.getNodeType());
            return;
        }
        JsonNode defined = definition.path("attributes");
        defined.fields().forEachRemaining(entry -> {
            // The attributes of a profile the record does not apply are not required.
            boolean inProfile = entry.getValue().path("profile").isTextual();
            if (entry.getValue().path("requirement").asText().equals("required") && !inProfile && !value.hasNonNull(entry.getKey())) {
                problems.add(at(path, entry.getKey()) + ": required, missing");
            }
        });
        for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String where = at(path, field.getKey());
            JsonNode attribute = defined.path(field.getKey());
            if (attribute.isMissingNode()) {
                problems.add(where + ": not an attribute of " + definition.path("name").asText());
                continue;
            }
            checkAttribute(field.getValue(), attribute, where, problems);
            JsonNode sibling = attribute.path("sibling");
            if (sibling.isTextual() && attribute.path("enum").has(field.getValue().asText()) && value.has(sibling.asText())
                && field.getValue().asInt() != 99) {
                String caption = attribute.path("enum").path(field.getValue().asText()).path("caption").asText();
                if (!value.path(sibling.asText()).asText().equals(caption)) {
                    problems.add(at(path, sibling.asText()) + ": expected '" + caption + "', the caption of "
                                 + field.getKey() + " " + field.getValue());
                }
            }
        }
        JsonNode constraints = definition.path("constraints");
        for (String kind : List.of("at_least_one", "just_one")) {
            JsonNode names = constraints.path(kind);
            if (names.isArray()) {
                int present = 0;
                for (JsonNode name : names) {
                    present += value.hasNonNull(name.asText()) ? 1 : 0;
                }
                if (present == 0 || kind.equals("just_one") && present > 1) {
                    problems.add(path + ": " + kind + " of " + names + ", has " + present);
                }
            }
        }
    }

    private void checkAttribute(JsonNode value, JsonNode attribute, String where, List<String> problems) {
        if (attribute.path("is_array").asBoolean(false)) {
            if (!value.isArray()) {
                problems.add(where + ": expected an array");
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                checkValue(value.get(i), attribute, where + "[" + i + "]", problems);
            }
        } else {
            checkValue(value, attribute, where, problems);
        }
    }

    private void checkValue(JsonNode value, JsonNode attribute, String where, List<String> problems) {
        String type = attribute.path("type").asText();
        if (type.equals("object")) {
            if (!value.isObject()) {
                problems.add(where + ": expected a JSON object");
            }
            return;
        }
        if (!type.endsWith("_t")) {
            checkObject(value, definition("objects/" + type + ".json"), where, problems);
            return;
        }
        checkScalar(value, type, where, problems);
        JsonNode values = attribute.path("enum");
        if (values.isObject() && !values.has(value.asText())) {
            problems.add(where + ": " + value + " is not one of " + iterable(values.fieldNames()));
        }
    }

    private void checkScalar(JsonNode value, String type, String where, List<String> problems) {
        JsonNode definition = types.path(type);
        if (definition.isMissingNode()) {
            problems.add(where + ": unknown type " + type);
            return;
        }
        String base = definition.path("type").asText(type);
        boolean ok = switch (base) {
            case "string_t" -> value.isTextual();
            case "integer_t" -> value.isIntegralNumber() && value.canConvertToInt();
            case "long_t" -> value.isIntegralNumber() && value.canConvertToLong();
            case "float_t" -> value.isNumber();
            case "boolean_t" -> value.isBoolean();
            case "json_t" -> true;
            default -> false;
        };
        if (!ok) {
            problems.add(where + ": " + value + " is not a " + type);
            return;
        }
        if (definition.has("regex") && !Pattern.compile(definition.path("regex").asText()).matcher(value.asText()).find()) {
            problems.add(where + ": '" + value.asText() + "' does not match the " + type + " pattern");
        }
        if (definition.has("max_len") && value.asText().length() > definition.path("max_len").asInt()) {
            problems.add(where + ": longer than " + definition.path("max_len").asInt());
        }
        JsonNode range = definition.path("range");
        if (range.isArray() && (value.asLong() < range.get(0).asLong() || value.asLong() > range.get(1).asLong())) {
            problems.add(where + ": " + value + " is outside " + range);
        }
    }

    /**
     * A class or object as the compiler builds it: the parent's attributes, the included profiles', its own, each
     * merged over the dictionary's; the nearest constraints.
     */
    private ObjectNode definition(String file) {
        ObjectNode own = (ObjectNode) read(file);
        ObjectNode merged;
        String parent = own.path("extends").asText("");
        if (!parent.isEmpty()) {
            merged = definition(parentFile(file, parent));
        } else {
            merged = JSON.createObjectNode();
            merged.putObject("attributes");
        }
        ObjectNode attributesOf = (ObjectNode) merged.path("attributes");
        for (JsonNode include : own.path("attributes").path("$include")) {
            JsonNode profile = read(include.asText());
            // A profile's attributes belong to it unless the class's own definition says "profile": null.
            profile.path("attributes").fields().forEachRemaining(e -> mergeAttribute(attributesOf, e.getKey(),
                    ((ObjectNode) e.getValue().deepCopy()).put("profile", profile.path("name").asText())));
        }
        own.path("attributes").fields().forEachRemaining(e -> {
            if (!e.getKey().equals("$include")) {
                mergeAttribute(attributesOf, e.getKey(), e.getValue());
            }
        });
        for (String field : List.of("name", "caption", "uid", "category")) {
            if (own.has(field)) {
                merged.set(field, own.get(field));
            }
        }
        if (own.has("constraints")) {
            merged.set("constraints", own.get("constraints"));
        }
        return merged;
    }

    private static String parentFile(String file, String parent) {
        if (file.startsWith("objects/")) {
            return "objects/" + parent + ".json";
        }
        return parent.equals("base_event") ? "events/base_event.json" : file.substring(0, file.lastIndexOf('/') + 1) + parent + ".json";
    }

    private void mergeAttribute(ObjectNode into, String name, JsonNode definition) {
        JsonNode existing = into.get(name);
        ObjectNode merged = existing == null ? dictionaryAttribute(name) : (ObjectNode) existing.deepCopy();
        deepMerge(merged, definition);
        into.set(name, merged);
    }

    private ObjectNode dictionaryAttribute(String name) {
        JsonNode defined = attributes.get(name);
        if (defined == null) {
            throw new IllegalStateException("the dictionary has no attribute " + name);
        }
        return ((ObjectNode) defined).deepCopy();
    }

    private static void deepMerge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(e -> {
            if (e.getValue().isObject() && into.path(e.getKey()).isObject()) {
                deepMerge((ObjectNode) into.get(e.getKey()), e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    private static JsonNode read(String file) {
        try (InputStream in = OcsfSchema.class.getClassLoader().getResourceAsStream(ROOT + file)) {
            if (in == null) {
                throw new IllegalStateException("no OCSF schema file " + file + " under src/test/resources/" + ROOT
                                                + ": ship it from ocsf/ocsf-schema");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String at(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
