"""Domain vocabularies: realistic variable names and scenario sentences for generated datasets.

Names are realistic so that questions read like the ones users ask (and like the published
benchmark's), and several are multi-word ("Blood Pressure") so the agent's name resolution is
exercised. The scenario sentences only set the scene; they never hint at the answer.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Domain(BaseModel):
    """One domain: variable names, who studies it, and what they study."""

    name: str
    variables: list[str] = Field(min_length=12)
    roles: list[str] = Field(min_length=1)
    settings: list[str] = Field(min_length=1)


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in [
        Domain(
            name="medicine",
            variables=[
                "Blood Pressure", "Cholesterol Level", "Body Mass Index", "Heart Rate",
                "Smoking", "Exercise Hours", "Diet Quality", "Age", "Stress Level",
                "Blood Sugar", "Sleep Duration", "Alcohol Intake", "Inflammation Marker",
                "Kidney Function", "Medication Dose",
            ],
            roles=["a cardiologist", "a team of epidemiologists", "a hospital research unit",
                   "a public-health agency"],
            settings=["a cohort of adult patients", "a regional health survey",
                      "routine check-ups at a network of clinics", "a prevention programme"],
        ),
        Domain(
            name="marketing",
            variables=[
                "Ad Spend", "Brand Awareness", "Website Visits", "Email Opens", "Discount Rate",
                "Customer Satisfaction", "Store Visits", "Social Media Mentions", "Sales Volume",
                "Repeat Purchases", "Ad Recall", "Price Perception", "Loyalty Score",
                "Search Ranking",
            ],
            roles=["a marketing analytics team", "a retail chain", "a brand manager",
                   "a consumer-research firm"],
            settings=["weekly campaign reports", "a panel of regional stores",
                      "an online shop's customer records", "a year of promotions"],
        ),
        Domain(
            name="economics",
            variables=[
                "Interest Rate", "Inflation", "Unemployment Rate", "Consumer Spending",
                "Wage Growth", "Housing Prices", "Exports", "Business Investment",
                "Government Spending", "Exchange Rate", "Savings Rate", "Credit Growth",
                "Productivity", "Oil Price",
            ],
            roles=["a central-bank economist", "a policy think tank", "a ministry of finance",
                   "an academic macroeconomist"],
            settings=["quarterly indicators from many regions", "a panel of national economies",
                      "monthly statistics over two decades", "a regional economic survey"],
        ),
        Domain(
            name="manufacturing",
            variables=[
                "Machine Temperature", "Vibration Level", "Line Speed", "Defect Rate",
                "Operator Experience", "Humidity", "Material Hardness", "Tool Wear",
                "Energy Consumption", "Throughput", "Maintenance Frequency", "Pressure Setting",
                "Coolant Flow", "Downtime",
            ],
            roles=["a process engineer", "a quality-control team", "a plant manager",
                   "a reliability analyst"],
            settings=["sensor logs from a production line", "shift reports at a factory",
                      "batches from an assembly plant", "a year of machine telemetry"],
        ),
        Domain(
            name="education",
            variables=[
                "Study Hours", "Class Size", "Teacher Experience", "Attendance Rate",
                "Homework Completion", "Test Score", "Parental Involvement", "Sleep Hours",
                "Tutoring Sessions", "Motivation", "Screen Time", "Reading Level",
                "School Funding", "Graduation Rate",
            ],
            roles=["a school district", "an education researcher", "a ministry of education",
                   "a team of teachers"],
            settings=["records of secondary-school students", "a national assessment survey",
                      "a longitudinal study of pupils", "several schools over one year"],
        ),
        Domain(
            name="ecology",
            variables=[
                "Rainfall", "Soil Moisture", "Plant Biomass", "Insect Abundance",
                "Bird Population", "Temperature", "Predator Density", "Nitrogen Level",
                "Canopy Cover", "Water Quality", "Fish Abundance", "Pollinator Visits",
                "Seed Production", "Grazing Pressure",
            ],
            roles=["a field ecologist", "a conservation agency", "a team of biologists",
                   "an environmental monitoring programme"],
            settings=["survey plots across a valley", "sampling sites along a river",
                      "monitoring stations in a nature reserve", "seasonal field surveys"],
        ),
        Domain(
            name="energy",
            variables=[
                "Outdoor Temperature", "Electricity Demand", "Solar Output", "Wind Speed",
                "Grid Load", "Spot Price", "Gas Consumption", "Battery Charge",
                "Cloud Cover", "Industrial Activity", "Heating Degree Days", "Transmission Loss",
                "Hydro Reservoir Level",
            ],
            roles=["a grid operator", "an energy analyst", "a utility company",
                   "a power-market regulator"],
            settings=["hourly grid measurements", "daily records from a regional network",
                      "a year of market data", "smart-meter readings"],
        ),
    ]
}

PLAIN = "plain"
"""Pseudo-domain: variables named X1..Xn and a neutral scenario."""
