using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class VolumesWithoutGlobalCreatedAtIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_volumes_created_at_id",
                schema: "blockstore",
                table: "volumes");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_volumes_created_at_id",
                schema: "blockstore",
                table: "volumes",
                columns: new[] { "created_at", "id" },
                descending: new[] { true, true });
        }
    }
}
