using System.Text.Json;
using System.Text.Json.Serialization;

namespace IpsecFw.InteropTests.Scapy;

/// <summary>The job file esp_vectors.py reads (snake_case JSON).</summary>
public sealed record ScapyJob(IReadOnlyList<ScapyJobScenario> Scenarios);

/// <summary>One scenario of the job.</summary>
public sealed record ScapyJobScenario(
    string Name,
    string Algo,
    bool Esn,
    string Mode,
    bool Udp,
    int OuterFamily,
    int InnerFamily,
    string Local,
    string Remote,
    string InnerLocal,
    string InnerRemote,
    uint ScapySpi,
    string ScapyKeymat,
    uint OurSpi,
    string OurKeymat,
    IReadOnlyList<ScapyPacketSpec> ScapyPackets,
    IReadOnlyList<OurWirePacket> OurPackets);

/// <summary>A packet Scapy is to build and encrypt.</summary>
public sealed record ScapyPacketSpec(int Index, string Kind, int Size, ulong Seq, string Iv);

/// <summary>A packet our engine encrypted, with the full sequence number it used.</summary>
public sealed record OurWirePacket(string Wire, ulong Seq);

/// <summary>The result file esp_vectors.py writes.</summary>
public sealed record ScapyResult(string ScapyVersion, string CryptographyVersion, IReadOnlyList<string> CryptAlgos, IReadOnlyList<ScapyResultScenario> Scenarios);

/// <summary>Both directions of one scenario.</summary>
public sealed record ScapyResultScenario(string Name, IReadOnlyList<ScapyEncrypted> ScapyPackets, IReadOnlyList<ScapyDecrypted> OurPackets);

/// <summary>Direction (a): what Scapy built and encrypted.</summary>
/// <param name="Clear">Scapy's clear packet.</param>
/// <param name="Wire">The packet to decapsulate (Scapy's, after any fix-up).</param>
/// <param name="Fixups">What was fixed in Scapy's bytes, and why.</param>
/// <param name="WireAsBuilt">Scapy's bytes before a fix-up, where one was needed.</param>
/// <param name="Error">Why Scapy failed, if it did.</param>
public sealed record ScapyEncrypted(string? Clear, string? Wire, IReadOnlyList<string>? Fixups, string? WireAsBuilt, string? Error);

/// <summary>Direction (b): what Scapy and cryptography made of one of our packets.</summary>
public sealed record ScapyDecrypted(
    uint? Spi,
    uint? SeqLow,
    string? Iv,
    IReadOnlyList<string>? OuterProblems,
    IReadOnlyList<string>? UdpProblems,
    string? AeadPayload,
    int? AeadNextHeader,
    int? AeadPadLength,
    bool? AeadPadOk,
    int? AeadEncryptedLength,
    string? AeadError,
    string? ScapyPath,
    string? ScapyClear,
    string? ScapyError,
    string? Error);

/// <summary>The JSON options shared by both files.</summary>
public static class ScapyJson
{
    /// <summary>snake_case, nulls omitted.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
