namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Negotiates the microversion for every request under <c>/v3</c> and echoes it on every response,
/// errors included. Malformed gets 400, out of range 406, as Cinder answers; like Cinder, the answer to a
/// malformed version or to another major version carries no version header, since none was negotiated.
/// </summary>
public sealed class MicroversionMiddleware(RequestDelegate next)
{
    public const string Header = "OpenStack-API-Version";
    private const string Service = "volume";

    public async Task InvokeAsync(HttpContext http)
    {
        var requested = RequestedVersion(http.Request);
        string? echoed = Microversion.Min.ToString();
        // Written as the response starts, not now: the exception handler clears headers set before it ran.
        http.Response.OnStarting(() =>
        {
            if (echoed is null) return Task.CompletedTask;
            http.Response.Headers.Vary = Header;
            http.Response.Headers[Header] = $"{Service} {echoed}";
            return Task.CompletedTask;
        });

        if (requested is null || requested == "latest")
        {
            var version = requested is null ? Microversion.Min : Microversion.Max;
            echoed = version.ToString();
            http.Items[typeof(Microversion)] = version;
            await next(http);
            return;
        }
        if (!Microversion.TryParse(requested, out var asked))
        {
            echoed = null;
            await CinderFault.WriteAsync(http, 400, $"API Version String {requested} is of invalid format. Must be of format MajorNum.MinorNum.");
            return;
        }
        echoed = asked.Major == Microversion.Min.Major ? asked.ToString() : null;
        if (asked < Microversion.Min || asked > Microversion.Max)
        {
            await CinderFault.WriteAsync(http, 406,
                $"Version {asked} is not supported by the API. Minimum is {Microversion.Min} and maximum is {Microversion.Max}.", "computeFault");
            return;
        }
        http.Items[typeof(Microversion)] = asked;
        await next(http);
    }

    public static Microversion Of(HttpContext http) =>
        http.Items.TryGetValue(typeof(Microversion), out var v) && v is Microversion m ? m : Microversion.Min;

    /// <summary>The value for the volume service, from the header's comma-separated service list.</summary>
    private static string? RequestedVersion(HttpRequest request)
    {
        foreach (var value in request.Headers[Header])
        {
            foreach (var item in (value ?? "").Split(','))
            {
                var parts = item.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0].Equals(Service, StringComparison.OrdinalIgnoreCase)) return parts[1].Trim();
            }
        }
        return null;
    }
}
