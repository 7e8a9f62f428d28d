using System.Text.Json;
using System.Text.Json.Serialization;

namespace IpsecFw.Host.Configuration;

/// <summary>Reads and writes an enum as its <see cref="KebabEnum"/> name; numbers are refused. Thread-safe.</summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class KebabEnumConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    /// <inheritdoc/>
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return KebabEnum.TryParse(text, out T value)
            ? value
            : throw new JsonException($"expected one of {string.Join(", ", KebabEnum.Names<T>().Select(n => "'" + n + "'"))}");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(KebabEnum.Format(value));
    }
}
