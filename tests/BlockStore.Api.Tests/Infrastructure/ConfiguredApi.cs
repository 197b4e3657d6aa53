using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>
/// The API in-process, as deployed (Production), with <paramref name="settings"/> over the stack's configuration: for
/// the few tests that need a host unlike the shared <see cref="ApiHost"/>. It runs no dispatcher.
/// </summary>
public sealed class ConfiguredApi(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    // As host settings, so that they are there before the program builds (it reads the connection string then), and
    // over the environment's.
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }
}
