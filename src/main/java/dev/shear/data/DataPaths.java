package dev.shear.data;

import dev.shear.io.AtomicFiles;
import dev.shear.io.InputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Where the shared data and the default model live: $SHEAR_DATA, then ../shared/data, then a
 * user cache that the default model is downloaded into when it is nowhere else.
 */
public final class DataPaths {
    private static final String HF_BASE = "https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/";
    private static final String MODEL_SHA = "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696";
    private static final String TOK_SHA = "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312";

    private DataPaths() {}

    /** The shared data folder, or null when none is found. */
    public static Path sharedDataOrNull() {
        String env = System.getenv("SHEAR_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        for (String c : List.of("../shared/data", "../../shared/data", "/work/shared/data"))
            if (Files.isDirectory(Path.of(c))) return Path.of(c).toAbsolutePath().normalize();
        return null;
    }

    public static Path sharedData() {
        Path p = sharedDataOrNull();
        if (p == null) throw new IllegalArgumentException("shared data folder not found: set SHEAR_DATA or place it at ../shared/data");
        return p;
    }

    /** A file inside the shared data folder, checked to exist. */
    public static Path data(String relative) {
        Path p = sharedData().resolve(relative);
        if (!Files.exists(p)) throw new IllegalArgumentException(p + ": not found in the shared data folder");
        return p;
    }

    /** The default model: stories260K from the shared data, else the user cache, else downloaded there. */
    public static Path stories260K() {
        Path shared = sharedDataOrNull();
        if (shared != null && Files.exists(shared.resolve("stories260K/stories260K.bin"))) return shared.resolve("stories260K/stories260K.bin");
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "shear", "stories260K");
        Path bin = cache.resolve("stories260K.bin");
        if (!Files.exists(bin)) {
            download(HF_BASE + "tok512.bin", cache.resolve("tok512.bin"), TOK_SHA);
            download(HF_BASE + "stories260K.bin", bin, MODEL_SHA);
        }
        return bin;
    }

    private static void download(String url, Path target, String sha256) {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
            byte[] bytes;
            try (InputStream in = r.body()) { bytes = in.readAllBytes(); }
            String got = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            if (!got.equals(sha256)) throw new IOException("sha256 " + got + ", expected " + sha256);
            AtomicFiles.writeBytes(target, bytes);
        } catch (IOException | InterruptedException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("stories260K is not in $SHEAR_DATA or ../shared/data, and downloading " + url
                    + " failed (" + e.getMessage() + "); are you offline? Put stories260K.bin and tok512.bin in " + target.getParent());
        }
    }

    /** Weights, config and tokenizer: reports and plots saved beside a model do not change its identity. */
    private static boolean isModelFile(Path f) {
        String n = f.getFileName().toString();
        return n.equals("config.json") || n.endsWith(".safetensors") || n.equals("model.safetensors.index.json")
                || n.startsWith("tokenizer") || n.matches("tok\\d+\\.bin") || n.equals("special_tokens_map.json");
    }

    /**
     * SHA-256 of a model: the file itself, or the model files of a folder in name order (each file's
     * name, then its bytes), streamed, so files past 2 GiB hash too.
     */
    public static String sha256(Path model) {
        if (!Files.isDirectory(model)) return InputFiles.sha256(model, "model");
        try (var files = Files.list(model)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files.filter(Files::isRegularFile).filter(DataPaths::isModelFile).sorted().toList()) {
                md.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                InputFiles.update(md, f, "model file");
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(model + ": cannot hash (" + e.getMessage() + ")");
        }
    }
}
