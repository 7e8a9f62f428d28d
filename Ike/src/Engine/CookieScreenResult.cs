namespace IpsecFw.Ike.Engine;

/// <summary>What <see cref="CookieScreen"/> decided about one received datagram.</summary>
public enum CookieScreenResult : byte
{
    /// <summary>Not for the screen (not an IKE_SA_INIT request, cookies not required now, or one with a valid cookie): the engine's queue takes it.</summary>
    Forward,

    /// <summary>An IKE_SA_INIT request without a valid cookie: the response with a new COOKIE is written; send it back to the source.</summary>
    Answer,

    /// <summary>An IKE_SA_INIT request whose payload chain is broken or that has no valid nonce: dropped, counted as malformed.</summary>
    Malformed,
}
