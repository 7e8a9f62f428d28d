namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// One section of a vici message as <c>swanctl --pretty</c> prints it: key/value pairs, lists and nested sections, in
/// order. The pretty form is used rather than <c>--raw</c> because raw values are not delimited (an identity like
/// <c>C=US, O=Example, CN=x</c> contains spaces), while pretty prints one item per line.
/// <code>
/// list-sa event {
///   lab {
///     state = ESTABLISHED
///     child-sas {
///       net-1 {
///         local-ts = [
///           198.19.1.0/24
///         ]
/// </code>
/// </summary>
public sealed class ViciSection
{
    /// <summary>The section's name.</summary>
    public string Name { get; }

    /// <summary>key = value pairs.</summary>
    public Dictionary<string, string> Values { get; } = [];

    /// <summary>key = [ ... ] lists.</summary>
    public Dictionary<string, List<string>> Lists { get; } = [];

    /// <summary>Nested sections, in order.</summary>
    public List<ViciSection> Sections { get; } = [];

    private ViciSection(string name) => Name = name;

    /// <summary>A value, or null.</summary>
    public string? Get(string key) => Values.GetValueOrDefault(key);

    /// <summary>A list, or an empty one.</summary>
    public IReadOnlyList<string> GetList(string key) => Lists.GetValueOrDefault(key) ?? [];

    /// <summary>A nested section by name, or null.</summary>
    public ViciSection? Section(string name) => Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>Parses swanctl's pretty output into the top-level sections (e.g. one <c>list-sa event</c> per IKE SA).</summary>
    /// <exception cref="FormatException">The text is not in the pretty format.</exception>
    public static List<ViciSection> ParsePretty(string text)
    {
        var root = new ViciSection("");
        var stack = new Stack<ViciSection>();
        stack.Push(root);
        List<string>? list = null;
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (list is not null)
            {
                if (line == "]")
                {
                    list = null;
                }
                else
                {
                    list.Add(line);
                }

                continue;
            }

            if (line == "}")
            {
                if (stack.Count == 1)
                {
                    throw new FormatException($"line {number}: unbalanced '}}'");
                }

                stack.Pop();
            }
            else if (line.EndsWith(" {", StringComparison.Ordinal))
            {
                var section = new ViciSection(line[..^2]);
                stack.Peek().Sections.Add(section);
                stack.Push(section);
            }
            else if (line.IndexOf(" = ", StringComparison.Ordinal) is int eq and > 0)
            {
                string key = line[..eq];
                string value = line[(eq + 3)..];
                if (value == "[")
                {
                    list = [];
                    stack.Peek().Lists[key] = list;
                }
                else
                {
                    stack.Peek().Values[key] = value;
                }
            }
            else
            {
                throw new FormatException($"line {number}: not vici pretty output: {line}");
            }
        }

        return root.Sections;
    }
}
