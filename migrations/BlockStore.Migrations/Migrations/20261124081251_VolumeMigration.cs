using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class VolumeMigration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "migrating_to",
                schema: "blockstore",
                table: "volumes",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "bytes_done",
                schema: "blockstore",
                table: "jobs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "bytes_total",
                schema: "blockstore",
                table: "jobs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "cancel_requested",
                schema: "blockstore",
                table: "jobs",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "migrating_to",
                schema: "blockstore",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "bytes_done",
                schema: "blockstore",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "bytes_total",
                schema: "blockstore",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "cancel_requested",
                schema: "blockstore",
                table: "jobs");
        }
    }
}
