using IpsecFw.Fuzz;
using IpsecFw.Fuzz.Fuzzers;

namespace IpsecFw.Ike.Tests.Fuzz;

/// <summary>
/// Replays the fuzz corpora of this project's fuzz targets (fuzz/Corpora/&lt;Target&gt;: seeds and every crash input kept
/// under regressions/) through the same target code that AFL++ runs (compiled in from fuzz/IpsecFw.Fuzz), so that
/// dotnet test covers the regression inputs too. Any exception or invariant violation fails the target.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string> Targets => ["IkeMessageDecode", "IkeSkDecrypt", "IkeResponder", "TrafficSelectors", "ConfigurationPayload", "CertificateChain", "DistinguishedName", "CookieScreen"];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_replays_without_a_failure(string name)
    {
        IFuzzer target = Create(name);
        string folder = CorpusLocator.Folder(target.Name);
        Assert.True(Directory.Exists(folder), $"no corpus at {folder}");
        using var output = new StringWriter();
        int status = CorpusReplay.Run(target, [folder], output, output);
        Assert.True(status == 0, output.ToString());
    }

    private static IFuzzer Create(string name) => name switch
    {
        "IkeMessageDecode" => new IkeMessageDecodeFuzzer(),
        "CookieScreen" => new CookieScreenFuzzer(),
        "IkeSkDecrypt" => new IkeSkDecryptFuzzer(),
        "IkeResponder" => new IkeResponderFuzzer(),
        "TrafficSelectors" => new TrafficSelectorsFuzzer(),
        "ConfigurationPayload" => new ConfigurationPayloadFuzzer(),
        "CertificateChain" => new CertificateChainFuzzer(),
        "DistinguishedName" => new DistinguishedNameFuzzer(),
        _ => throw new ArgumentException(name, nameof(name)),
    };
}
