using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace IpsecFw.Host.Configuration;

/// <summary>
/// Checks a parsed configuration document against the shape of <see cref="HostConfig"/> as the source-generated JSON
/// metadata describes it, before anything is deserialised: unknown keys (with a suggestion), keys given twice, missing
/// required keys and values of the wrong JSON type, each reported with its JSON path. What passes here deserialises.
/// </summary>
internal sealed class SchemaChecker(ConfigJsonContext context, List<ConfigError> errors)
{
    public void Check(JsonElement element, JsonTypeInfo type, string path)
    {
        switch (type.Kind)
        {
            case JsonTypeInfoKind.Object:
                CheckObject(element, type, path);
                break;
            case JsonTypeInfoKind.Enumerable:
                CheckArray(element, type, path);
                break;
            default:
                CheckValue(element, type.Type, path);
                break;
        }
    }

    private void CheckObject(JsonElement element, JsonTypeInfo type, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ConfigError(Display(path), $"expected an object, got {Describe(element)}"));
            return;
        }

        var known = type.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty member in element.EnumerateObject())
        {
            string memberPath = Join(path, member.Name);
            if (!seen.Add(member.Name))
            {
                errors.Add(new ConfigError(memberPath, "this key is given twice"));
                continue;
            }

            if (!known.TryGetValue(member.Name, out JsonPropertyInfo? property))
            {
                string? suggestion = Suggestions.Closest(member.Name, known.Keys);
                errors.Add(new ConfigError(memberPath, suggestion is null
                    ? $"unknown key; the keys here are {string.Join(", ", known.Keys.Select(k => "'" + k + "'"))}"
                    : $"unknown key; did you mean '{suggestion}'?"));
                continue;
            }

            if (member.Value.ValueKind == JsonValueKind.Null && IsNullable(property))
            {
                continue;
            }

            Check(member.Value, context.GetTypeInfo(property.PropertyType)!, memberPath);
        }

        foreach (JsonPropertyInfo property in type.Properties)
        {
            if (property.IsRequired && !seen.Contains(property.Name))
            {
                errors.Add(new ConfigError(Join(path, property.Name), "required key is missing"));
            }
        }
    }

    private void CheckArray(JsonElement element, JsonTypeInfo type, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new ConfigError(Display(path), $"expected an array, got {Describe(element)}"));
            return;
        }

        JsonTypeInfo elementType = context.GetTypeInfo(type.ElementType!)!;
        int i = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            Check(item, elementType, $"{path}[{i++}]");
        }
    }

    private void CheckValue(JsonElement element, Type type, string path)
    {
        string? expected = type switch
        {
            _ when type == typeof(string) => element.ValueKind == JsonValueKind.String ? null : "a string",
            _ when type == typeof(int) || type == typeof(int?) => element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out _) ? null : "an integer",
            _ when type == typeof(bool) => element.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "true or false",
            _ when type.IsEnum => CheckEnum(element, type, path),
            _ => null,
        };
        if (expected is not null)
        {
            errors.Add(new ConfigError(Display(path), $"expected {expected}, got {Describe(element)}"));
        }
    }

    private string? CheckEnum(JsonElement element, Type type, string path)
    {
        IReadOnlyList<string> names = KebabEnum.Names(type);
        if (element.ValueKind != JsonValueKind.String)
        {
            return "a string";
        }

        string value = element.GetString()!;
        if (!names.Contains(value))
        {
            errors.Add(new ConfigError(Display(path),
                $"'{value}' is not one of {string.Join(", ", names.Select(n => "'" + n + "'"))}"));
        }

        return null;
    }

    /// <summary>Null stands for "absent" where the property's type is nullable (<c>string?</c>, <c>TunOptions?</c>).</summary>
    private static bool IsNullable(JsonPropertyInfo property) =>
        !property.IsRequired && (property.IsSetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null);

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Display(string path) => path.Length == 0 ? "(top level)" : path;

    internal static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => element.TryGetInt64(out _) ? "a number" : "a non-integer number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "nothing",
    };
}
