namespace BlockStore.Api.Tests.Deployment;

/// <summary>The repository root, found from the test assembly's folder.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BlockStore.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No BlockStore.sln above {AppContext.BaseDirectory}.");
    }
}
