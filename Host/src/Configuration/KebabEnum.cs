using System.Text;

namespace IpsecFw.Host.Configuration;

/// <summary>Enum values as lower kebab-case names (<c>IfAvailable</c> is <c>if-available</c>), as the configuration writes them.</summary>
public static class KebabEnum
{
    /// <summary>The accepted names of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>()
        where T : struct, Enum => [.. Enum.GetValues<T>().Select(Format)];

    /// <summary>The accepted names of an enum type.</summary>
    public static IReadOnlyList<string> Names(Type enumType) => [.. Enum.GetNames(enumType).Select(ToKebab)];

    /// <summary>Parses a kebab-case name.</summary>
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        foreach (T v in Enum.GetValues<T>())
        {
            if (string.Equals(Format(v), text, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The kebab-case name of <paramref name="value"/>.</summary>
    public static string Format<T>(T value)
        where T : struct, Enum => ToKebab(value.ToString());

    private static string ToKebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
