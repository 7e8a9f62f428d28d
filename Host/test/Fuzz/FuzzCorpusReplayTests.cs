using IpsecFw.Fuzz;
using IpsecFw.Fuzz.Fuzzers;

namespace IpsecFw.Host.Tests.Fuzz;

/// <summary>
/// Replays the fuzz corpora of this project's fuzz targets (fuzz/Corpora/&lt;Target&gt;: seeds and every crash input kept
/// under regressions/) through the same target code that AFL++ runs (compiled in from fuzz/IpsecFw.Fuzz), so that
/// dotnet test covers the regression inputs too. Any exception or invariant violation fails the target.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    [Fact]
    public void HostConfig_corpus_replays_without_a_failure()
    {
        var target = new HostConfigFuzzer();
        string folder = CorpusLocator.Folder(target.Name);
        Assert.True(Directory.Exists(folder), $"no corpus at {folder}");
        using var output = new StringWriter();
        int status = CorpusReplay.Run(target, [folder], output, output);
        Assert.True(status == 0, output.ToString());
    }
}
