namespace IpsecFw.Ike.Auth;

/// <summary>
/// The default <see cref="ICrlFetcher"/>: one synchronous HTTP GET with a short timeout and a size bound. IKE_AUTH
/// waits for it (at most <see cref="Timeout"/>), which is why <see cref="CertificateAuthenticator"/> caches results by
/// URL until the CRL's nextUpdate and fetches only after the peer's AUTH signature verified. Thread-safe.
/// </summary>
public sealed class HttpCrlFetcher : ICrlFetcher, IDisposable
{
    /// <summary>Largest CRL accepted.</summary>
    public const int MaxCrlSize = 4 << 20;

    private readonly HttpClient _client;

    /// <summary>A fetcher with <paramref name="timeout"/> per request (default 3 s).</summary>
    public HttpCrlFetcher(TimeSpan? timeout = null)
    {
        Timeout = timeout ?? TimeSpan.FromSeconds(3);
        _client = new HttpClient { Timeout = Timeout, MaxResponseContentBufferSize = MaxCrlSize };
    }

    /// <summary>The time limit of one fetch.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc/>
    public byte[]? Fetch(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            return null;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using HttpResponseMessage response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxCrlSize)
            {
                return null;
            }

            using Stream body = response.Content.ReadAsStream(cancellationToken);
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[16384];
            int n;
            while ((n = body.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxCrlSize)
                {
                    return null;
                }

                buffer.Write(chunk, 0, n);
            }

            return buffer.ToArray();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Closes the HTTP client.</summary>
    public void Dispose() => _client.Dispose();
}
