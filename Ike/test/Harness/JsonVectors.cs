using System.Text.Json;

namespace IpsecFw.Ike.Tests.Harness;

/// <summary>Reads the JSON vector files under the shared test data folder.</summary>
internal static class JsonVectors
{
    public static JsonElement Load(string relativePath)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(TestData.Shared(relativePath)));
        return document.RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Vectors(string relativePath) => Load(relativePath).GetProperty("vectors").EnumerateArray();

    public static byte[] Bytes(this JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) ? TestData.Hex(value.GetString()!) : [];

    public static string Text(this JsonElement element, string name) => element.GetProperty(name).GetString()!;
}
