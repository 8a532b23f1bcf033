package dev.shear.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.data.DataPaths;
import dev.shear.io.InputFiles;
import dev.shear.io.ShearJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a resumable run is: its resolved settings, flattened to dotted keys ("prune.ratio" → "0.2"),
 * and the SHA-256 of each input it reads ("model", "source tinystories"). A run writes it as
 * {@value #FILE} next to its checkpoints, and every checkpoint carries its {@link #hash()}; --resume
 * with a different fingerprint is refused, naming what changed, so a run never continues into a model
 * that neither configuration would produce.
 */
public record RunFingerprint(Map<String, String> settings, Map<String, String> inputs) {
    public static final String FILE = "fingerprint.json";
    private static final int NAMED_CHANGES = 3;

    public RunFingerprint {
        settings = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(settings, "settings")));
        inputs = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(inputs, "inputs")));
    }

    /** The settings tree (a record as YAML config files bind it, or a config tree) and the inputs by role, hashed now. */
    public static RunFingerprint of(Object settings, Map<String, Path> inputs) {
        JsonNode tree = settings instanceof JsonNode n ? n : ConfigYaml.YAML.valueToTree(settings);
        Map<String, String> flat = new LinkedHashMap<>();
        flatten(tree, "", flat);
        Map<String, String> hashes = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.entrySet()) hashes.put(e.getKey(), sha256(e.getValue()));
        return new RunFingerprint(flat, hashes);
    }

    /** A model (file or folder, as {@link DataPaths#sha256}) or any other input file. */
    private static String sha256(Path p) {
        return Files.isDirectory(p) ? DataPaths.sha256(p) : InputFiles.sha256(p, "input");
    }

    private static void flatten(JsonNode n, String at, Map<String, String> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(e.getValue(), at.isEmpty() ? e.getKey() : at + "." + e.getKey(), out);
            }
        } else {
            out.put(at, n.isValueNode() ? n.asText() : n.toString());
        }
    }

    /** The same fingerprint with more settings (command-line choices outside the settings records). */
    public RunFingerprint withSetting(String key, String value) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.put(key, value);
        return new RunFingerprint(s, inputs);
    }

    /** SHA-256 of the settings and input hashes, in key order. */
    public String hash() {
        MessageDigest md = sha();
        for (Map<String, String> m : List.of(settings, inputs)) {
            for (Map.Entry<String, String> e : m.entrySet())
                md.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** What changed since {@code earlier}, in one line ("prune.ratio 0.2 -> 0.3, model sha256 1f2e3d4c -> 9a8b7c6d"); empty when nothing did. */
    public String changesSince(RunFingerprint earlier) {
        List<String> changes = new ArrayList<>();
        diff(earlier.settings, settings, "", changes);
        diff(earlier.inputs, inputs, " sha256", changes);
        if (changes.size() <= NAMED_CHANGES) return String.join(", ", changes);
        return String.join(", ", changes.subList(0, NAMED_CHANGES)) + " and " + (changes.size() - NAMED_CHANGES) + " more";
    }

    private static void diff(Map<String, String> before, Map<String, String> after, String suffix, List<String> out) {
        TreeMap<String, String> keys = new TreeMap<>(before);
        keys.putAll(after);
        for (String k : keys.keySet()) {
            String a = before.get(k), b = after.get(k);
            if (Objects.equals(a, b)) continue;
            out.add(k + suffix + " " + shortValue(a, suffix) + " -> " + shortValue(b, suffix));
        }
    }

    private static String shortValue(String v, String suffix) {
        if (v == null) return "(none)";
        return suffix.isEmpty() ? v : v.substring(0, Math.min(8, v.length()));
    }

    /** Writes {@value #FILE} into a folder (atomically). */
    public void write(Path dir) { ShearJson.write(dir.resolve(FILE), this); }

    /** The fingerprint stored in a folder, or null when it holds none. */
    public static RunFingerprint read(Path dir) {
        Path f = dir.resolve(FILE);
        return Files.exists(f) ? ShearJson.read(f, RunFingerprint.class) : null;
    }

    /**
     * Refuses to resume when the folder's stored fingerprint differs from this one: "OUT.ckpt was
     * written by another run (prune.ratio 0.2 -> 0.3); ...". Nothing stored: nothing to check.
     */
    public void requireSameAs(Path dir, String what) {
        RunFingerprint stored = read(dir);
        if (stored == null) return;
        String changes = changesSince(stored);
        if (!changes.isEmpty())
            throw new IllegalArgumentException(dir + ": --resume refused, " + what + " was started with other settings or inputs ("
                    + changes + "); run it as it was, or start over without --resume" + (what.equals("this run") ? " in a new folder" : ""));
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
