using System.Text;
using System.Text.RegularExpressions;
using IpsecFw.Host.Configuration;
using IpsecFw.Testing;

namespace IpsecFw.Host.Tests.Configuration;

/// <summary>The examples in docs/configuration.md are valid: on a machine without their files, "does not exist" is all they get.</summary>
public sealed partial class DocumentedExamplesTests
{
    public static TheoryData<int> Examples => [.. Enumerable.Range(0, ReadExamples().Count)];

    [Fact]
    public void There_are_five_examples() => Assert.Equal(5, ReadExamples().Count);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_is_valid_but_for_its_files(int index)
    {
        string json = ReadExamples()[index];
        ConfigLoadResult result = ConfigLoader.Parse(Encoding.UTF8.GetBytes(json), "example", "/nonexistent");
        Assert.All(result.Errors, e => Assert.EndsWith("does not exist", e.Message, StringComparison.Ordinal));
        Assert.NotEmpty(result.Errors);
    }

    private static List<string> ReadExamples()
    {
        string doc = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", "configuration.md"));
        return [.. JsoncBlock().Matches(doc).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex("```jsonc\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsoncBlock();
}
