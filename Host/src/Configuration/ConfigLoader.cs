using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace IpsecFw.Host.Configuration;

/// <summary>
/// Reads, checks and validates the configuration file: JSON syntax (with line and column), then the shape
/// (<see cref="SchemaChecker"/>), then the meaning (<see cref="ConfigValidator"/>: addresses, prefixes, files, names,
/// proposals, ranges). Never throws on bad input; every problem becomes a <see cref="ConfigError"/>. Thread-safe.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The largest configuration file read (1 MiB).</summary>
    public const int MaxFileBytes = 1 << 20;

    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Loads and validates the file at <paramref name="path"/>.</summary>
    public static ConfigLoadResult Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Fail(path, Directory.Exists(path) ? "is a directory, not a file" : "does not exist");
            }

            if (info.Length > MaxFileBytes)
            {
                return Fail(path, $"is {info.Length} bytes; a configuration file is at most {MaxFileBytes}");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(path, $"cannot be read: {e.Message}");
        }

        string baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return Parse(bytes, path, baseDirectory);
    }

    /// <summary>Checks and validates configuration text; relative paths in it are taken from <paramref name="baseDirectory"/>.</summary>
    public static ConfigLoadResult Parse(ReadOnlySpan<byte> utf8, string file, string baseDirectory)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        // JsonDocument checks UTF-8 only when a string is read (it throws InvalidOperationException then, from the
        // schema check): refuse invalid UTF-8 here, with its position, as any other syntax error.
        if (!Utf8.IsValid(utf8))
        {
            return new ConfigLoadResult(file, null, [new ConfigError(InvalidUtf8Position(utf8), "invalid JSON: the file is not valid UTF-8")]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), s_documentOptions);
        }
        catch (JsonException e)
        {
            string at = e.LineNumber is long line ? $"{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : string.Empty;
            return new ConfigLoadResult(file, null, [new ConfigError(at, "invalid JSON: " + StripPosition(e.Message))]);
        }

        using (document)
        {
            var errors = new List<ConfigError>();
            ConfigJsonContext context = ConfigJsonContext.Default;
            new SchemaChecker(context, errors).Check(document.RootElement, context.HostConfig, string.Empty);
            if (errors.Count > 0)
            {
                return new ConfigLoadResult(file, null, errors);
            }

            HostConfig? config;
            try
            {
                config = document.RootElement.Deserialize(context.HostConfig);
            }
            catch (JsonException e)
            {
                // The schema check should have caught it; report rather than crash.
                string where = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : string.Empty;
                return new ConfigLoadResult(file, null, [new ConfigError(where, StripPosition(e.Message))]);
            }

            if (config is null)
            {
                return new ConfigLoadResult(file, null, [new ConfigError(string.Empty, "the file holds null, not a configuration object")]);
            }

            config.BaseDirectory = baseDirectory;
            new ConfigValidator(config, errors).Validate();
            return new ConfigLoadResult(file, errors.Count == 0 ? config : null, errors);
        }
    }

    private static ConfigLoadResult Fail(string path, string message) =>
        new(path, null, [new ConfigError(string.Empty, message)]);

    /// <summary>System.Text.Json ends its messages with "LineNumber: 3 | BytePositionInLine: 7."; the position is shown before.</summary>
    /// <summary>"line:column" (1-based, in bytes) of the first byte that is not valid UTF-8.</summary>
    private static string InvalidUtf8Position(ReadOnlySpan<byte> utf8)
    {
        int offset = 0;
        while (offset < utf8.Length)
        {
            if (Rune.DecodeFromUtf8(utf8[offset..], out _, out int consumed) != OperationStatus.Done)
            {
                break;
            }

            offset += consumed;
        }

        ReadOnlySpan<byte> before = utf8[..offset];
        int line = before.Count((byte)'\n') + 1;
        int column = offset - (before.LastIndexOf((byte)'\n') + 1) + 1;
        return $"{line}:{column}";
    }

    private static string StripPosition(string message)
    {
        int at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (at < 0)
        {
            at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        return (at >= 0 ? message[..at] : message).TrimEnd();
    }
}
